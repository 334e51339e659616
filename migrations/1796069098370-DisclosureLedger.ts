import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entity (the `disclosures` table and its indexes), plus hand-written triggers TypeORM does not
 * model: the ledger is append-only. UPDATE and TRUNCATE are always refused; DELETE is refused unless the
 * transaction has run `SET LOCAL pa.disclosures_purge = 'on'`, the one escape hatch, kept for a retention purge
 * of the ledger itself (docs/security.md). Nothing in the service sets it today.
 */
export class DisclosureLedger1796069098370 implements MigrationInterface {
  name = 'DisclosureLedger1796069098370';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "disclosures" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "application_id" uuid NOT NULL, "kind" text NOT NULL, "source_department" text NOT NULL, "recipient_department" text, "actor_role" text NOT NULL, "actor_id" text NOT NULL, "step" text NOT NULL, "fields" text array NOT NULL, "target" text, "at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_891a486784239e16ba51491fd1c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "disclosures_recipient" ON "disclosures"  ("recipient_department", "at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "disclosures_application" ON "disclosures"  ("application_id", "at", "id") `,
    );

    // Hand-written from here on (see above).
    await queryRunner.query(`
      CREATE FUNCTION disclosures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('pa.disclosures_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'disclosures is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'the ledger of data flows is never changed; see docs/security.md for its purge';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON "disclosures" FOR EACH ROW EXECUTE FUNCTION disclosures_refuse_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER disclosures_no_truncate BEFORE TRUNCATE ON "disclosures" FOR EACH STATEMENT EXECUTE FUNCTION disclosures_refuse_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER disclosures_no_truncate ON "disclosures"`);
    await queryRunner.query(`DROP TRIGGER disclosures_append_only ON "disclosures"`);
    await queryRunner.query(`DROP FUNCTION disclosures_refuse_change()`);
    await queryRunner.query(`DROP INDEX "public"."disclosures_application"`);
    await queryRunner.query(`DROP INDEX "public"."disclosures_recipient"`);
    await queryRunner.query(`DROP TABLE "disclosures"`);
  }
}
