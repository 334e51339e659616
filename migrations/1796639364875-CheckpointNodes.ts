import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities: each checkpoint keeps the roots of its subtrees of 64 leaves or more, so that a
 * history read's inclusion proof reads a few of them and a few short runs of leaves instead of the whole tree.
 * Hand-written: the table is append-only like the checkpoints and their leaves (`audit_refuse_change`, AuditLog
 * migration). Checkpoints signed before it have no such rows; their proofs are computed from their leaves.
 */
export class CheckpointNodes1796639364875 implements MigrationInterface {
  name = 'CheckpointNodes1796639364875';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_checkpoint_nodes" ("checkpoint_seq" integer NOT NULL, "from_leaf" integer NOT NULL, "to_leaf" integer NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_072192594b1ebcabedc4aad50c1" PRIMARY KEY ("checkpoint_seq", "from_leaf", "to_leaf"))`,
    );
    // Hand-written from here on (see above).
    await queryRunner.query(
      `CREATE TRIGGER audit_checkpoint_nodes_append_only BEFORE UPDATE OR DELETE ON "audit_checkpoint_nodes" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER audit_checkpoint_nodes_no_truncate BEFORE TRUNCATE ON "audit_checkpoint_nodes" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_checkpoint_nodes_no_truncate ON "audit_checkpoint_nodes"`);
    await queryRunner.query(`DROP TRIGGER audit_checkpoint_nodes_append_only ON "audit_checkpoint_nodes"`);
    await queryRunner.query(`DROP TABLE "audit_checkpoint_nodes"`);
  }
}
