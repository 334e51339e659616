import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event path's lock and read in one round trip: a function that locks the application row (found by its id or
 * through one of its tasks) and then, in a statement of its own, reads the row and its tasks. In READ COMMITTED a
 * VOLATILE function's statements each take a fresh snapshot, so the read after a lock wait sees what the lock's
 * previous holder committed, as a second statement from the client would. NULL when there is no such row.
 */
export class EventLockAndRead1796074355109 implements MigrationInterface {
  name = 'EventLockAndRead1796074355109';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION pa_lock_for_event(p_application uuid, p_task uuid) RETURNS json
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        target uuid := p_application;
        result json;
      BEGIN
        IF target IS NULL THEN
          SELECT application_id INTO target FROM tasks WHERE id = p_task;
        END IF;
        PERFORM 1 FROM applications WHERE id = target FOR UPDATE;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        SELECT json_build_object(
                 'application', row_to_json(a),
                 'tasks', COALESCE((SELECT json_agg(t) FROM tasks t WHERE t.application_id = a.id), '[]'::json))
          INTO result FROM applications a WHERE a.id = target;
        RETURN result;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION pa_lock_for_event(uuid, uuid)`);
  }
}
