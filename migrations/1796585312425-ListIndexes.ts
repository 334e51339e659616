import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities (`applications_submitted`: an admin's list of every application, newest first, reads
 * a page from the index instead of sorting the table), plus one index TypeORM cannot describe: `disclosures_at`, a
 * BRIN index for the flows report, which reads a period across every department. The ledger is append-only and its
 * rows arrive in time order, so a BRIN index fits it and adds next to nothing to its inserts, which are on every
 * inbox read's path.
 */
export class ListIndexes1796585312425 implements MigrationInterface {
  name = 'ListIndexes1796585312425';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "applications_submitted" ON "applications"  ("submitted_at", "id") `,
    );
    await queryRunner.query(`CREATE INDEX "disclosures_at" ON "disclosures" USING brin ("at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."disclosures_at"`);
    await queryRunner.query(`DROP INDEX "public"."applications_submitted"`);
  }
}
