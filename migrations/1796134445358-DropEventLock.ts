import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event path no longer locks the application row before it plans: it reads without a lock and writes only if the
 * revision it read is still the stored one (src/events/event-sql.util.ts). The locking function of
 * EventLockAndRead has no caller left; `down` brings it back as it was.
 */
export class DropEventLock1796134445358 implements MigrationInterface {
  name = 'DropEventLock1796134445358';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION pa_lock_for_event(uuid, uuid)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
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
}
