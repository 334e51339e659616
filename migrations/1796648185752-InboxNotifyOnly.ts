import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written: TypeORM does not model trigger functions. The inbox stream announces a change to a task in or out of
 * a department's inbox, and it answers each announcement with the task's view, which shows form fields and is a row
 * of the disclosure ledger. A task waiting for its fact rule is out of the inbox (`rule_pending`), and one its rule
 * (or its deadline) decided while it waited never entered it: announcing that change showed an officer, and recorded
 * as shown, a task their inbox never held. A task row now notifies only when it is in the inbox before or after the
 * write.
 */
export class InboxNotifyOnly1796648185752 implements MigrationInterface {
  name = 'InboxNotifyOnly1796648185752';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ((NEW.status = 'open' AND NOT NEW.rule_pending)
            OR (TG_OP = 'UPDATE' AND OLD.status = 'open' AND NOT OLD.rule_pending))
           AND pa_listened('pa_tasks') THEN
          PERFORM pg_notify('pa_tasks', json_build_object('id', NEW.id, 'department', NEW.department)::text);
        END IF;
        RETURN NULL;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pa_listened('pa_tasks') THEN
          PERFORM pg_notify('pa_tasks', json_build_object('id', NEW.id, 'department', NEW.department)::text);
        END IF;
        RETURN NULL;
      END $$`);
  }
}
