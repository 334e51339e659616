import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities (`notify_listeners`), plus hand-written SQL TypeORM does not model: the live-update
 * triggers of LiveNotify1795780000000 now call pg_notify only while some connection listens to their channel.
 *
 * A transaction that notifies takes a lock global to the database at the start of its commit and keeps it until
 * the commit is flushed, so that notifications are queued in commit order. With every event's task and history
 * rows notifying, every event's commit waited for the flush of the one before it: commits that could have shared a
 * flush went one by one, and under load the event path queued on that lock. Nobody listens unless an event stream
 * is open, so most commits now notify nothing and take no such lock.
 *
 * `pa_listened(channel)` first takes advisory lock 7140312004 in shared mode, held to the end of the writer's
 * transaction, and then reads `notify_listeners` in a snapshot of its own. A connection that starts to listen adds
 * its row, LISTENs, and then takes the same lock exclusively, once, which waits for every writer that may have
 * looked before its row was there (PgListenerService): a writer that commits after that saw the row and notifies,
 * and one that committed before is seen by whatever the subscriber reads next.
 */
export class NotifyOnlyListened1796360901838 implements MigrationInterface {
  name = 'NotifyOnlyListened1796360901838';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notify_listeners" ("channel" text NOT NULL, "pid" integer NOT NULL, CONSTRAINT "PK_8e6ba541c70cdaf06941aeef543" PRIMARY KEY ("channel", "pid"))`,
    );

    // Hand-written from here on (see above).
    await queryRunner.query(`
      CREATE FUNCTION pa_listened(wanted text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(7140312004);
        RETURN EXISTS (SELECT 1 FROM notify_listeners WHERE channel = wanted);
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pa_listened('pa_history') THEN
          PERFORM pg_notify('pa_history', NEW.application_id::text || ':' || NEW.seq::text);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pa_listened('pa_tasks') THEN
          PERFORM pg_notify('pa_tasks', json_build_object('id', NEW.id, 'department', NEW.department)::text);
        END IF;
        RETURN NULL;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('pa_tasks', json_build_object('id', NEW.id, 'department', NEW.department)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION pa_notify_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('pa_history', NEW.application_id::text || ':' || NEW.seq::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`DROP FUNCTION pa_listened(text)`);
    await queryRunner.query(`DROP TABLE "notify_listeners"`);
  }
}
