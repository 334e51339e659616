import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live updates across processes: every history row and every task change is announced with pg_notify in the
 * transaction that writes it, so listeners hear of it only once it is committed, whichever process wrote it.
 */
export class LiveNotify1795780000000 implements MigrationInterface {
  name = 'LiveNotify1795780000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION pa_notify_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('pa_history', NEW.application_id::text || ':' || NEW.seq::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER history_notify AFTER INSERT ON "history" FOR EACH ROW EXECUTE FUNCTION pa_notify_history()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION pa_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('pa_tasks', json_build_object('id', NEW.id, 'department', NEW.department)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER tasks_notify AFTER INSERT OR UPDATE ON "tasks" FOR EACH ROW EXECUTE FUNCTION pa_notify_task()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "tasks_notify" ON "tasks"`);
    await queryRunner.query(`DROP FUNCTION pa_notify_task()`);
    await queryRunner.query(`DROP TRIGGER "history_notify" ON "history"`);
    await queryRunner.query(`DROP FUNCTION pa_notify_history()`);
  }
}
