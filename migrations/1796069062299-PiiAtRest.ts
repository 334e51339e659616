import { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities: the wrapped data key of personal data at rest, and when the purge erased it. */
export class PiiAtRest1796069062299 implements MigrationInterface {
  name = 'PiiAtRest1796069062299';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "applications" ADD "pii_key" jsonb`);
    await queryRunner.query(`ALTER TABLE "applications" ADD "pii_erased_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE INDEX "applications_pii_retention" ON "applications"  ("decided_at") WHERE decided_at IS NOT NULL AND pii_erased_at IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."applications_pii_retention"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "pii_erased_at"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "pii_key"`);
  }
}
