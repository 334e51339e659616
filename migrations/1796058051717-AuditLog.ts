import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities (tables, the `id` column, indexes), plus hand-written SQL TypeORM does not model:
 *
 * - `history.id`: a log-wide position from `history_id_seq`, given to each new row by a BEFORE INSERT trigger
 *   after it takes advisory lock 7140312002 in shared mode. A checkpoint takes that lock exclusively only to read
 *   `max(id)`: it waits for every transaction that has numbered a row to end, so no row at or below the mark it
 *   reads can still be uncommitted (CheckpointService). Existing rows are numbered in time order.
 * - Append-only tables: `history`, `audit_checkpoints` and `audit_checkpoint_leaves` refuse UPDATE, DELETE and
 *   TRUNCATE. Dropping the database stays possible; an administrator who disables the triggers can still rewrite
 *   rows, which the signed checkpoints then reveal (docs/audit.md).
 */
export class AuditLog1796058051717 implements MigrationInterface {
  name = 'AuditLog1796058051717';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_checkpoint_leaves" ("checkpoint_seq" integer NOT NULL, "leaf_index" integer NOT NULL, "application_id" uuid NOT NULL, "seq" integer NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_5a3ae94dfc9e995a3eb8b29b145" PRIMARY KEY ("checkpoint_seq", "leaf_index"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "audit_checkpoint_leaves_application" ON "audit_checkpoint_leaves"  ("application_id", "checkpoint_seq") `,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_checkpoints" ("seq" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "from_id" bigint NOT NULL, "to_id" bigint NOT NULL, "leaf_count" integer NOT NULL, "root" text NOT NULL, "prev_hash" text NOT NULL, "hash" text NOT NULL, "key_id" text NOT NULL, "signature" text NOT NULL, CONSTRAINT "PK_00d27c519361818fba5bb6602de" PRIMARY KEY ("seq"))`,
    );

    // Hand-written from here on (see above).
    await queryRunner.query(`CREATE SEQUENCE "history_id_seq" AS bigint`);
    await queryRunner.query(`ALTER TABLE "history" ADD "id" bigint`);
    await queryRunner.query(
      `UPDATE "history" h SET "id" = o.n FROM (SELECT application_id, seq, row_number() OVER (ORDER BY at, application_id, seq) AS n FROM "history") o WHERE h.application_id = o.application_id AND h.seq = o.seq`,
    );
    await queryRunner.query(
      `SELECT setval('history_id_seq', COALESCE((SELECT max("id") FROM "history"), 1), (SELECT count(*) > 0 FROM "history"))`,
    );
    await queryRunner.query(`ALTER TABLE "history" ALTER COLUMN "id" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "history_id" ON "history"  ("id") `);
    await queryRunner.query(`
      CREATE FUNCTION audit_number_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(7140312002);
        NEW.id := nextval('history_id_seq');
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER history_number BEFORE INSERT ON "history" FOR EACH ROW EXECUTE FUNCTION audit_number_history()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'history and audit checkpoints are never changed or removed (docs/audit.md)';
      END $$`);
    for (const table of ['history', 'audit_checkpoints', 'audit_checkpoint_leaves']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['history', 'audit_checkpoints', 'audit_checkpoint_leaves']) {
      await queryRunner.query(`DROP TRIGGER ${table}_no_truncate ON "${table}"`);
      await queryRunner.query(`DROP TRIGGER ${table}_append_only ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION audit_refuse_change()`);
    await queryRunner.query(`DROP TRIGGER history_number ON "history"`);
    await queryRunner.query(`DROP FUNCTION audit_number_history()`);
    await queryRunner.query(`DROP INDEX "public"."history_id"`);
    await queryRunner.query(`ALTER TABLE "history" DROP COLUMN "id"`);
    await queryRunner.query(`DROP SEQUENCE "history_id_seq"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoints"`);
    await queryRunner.query(`DROP INDEX "public"."audit_checkpoint_leaves_application"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoint_leaves"`);
  }
}
