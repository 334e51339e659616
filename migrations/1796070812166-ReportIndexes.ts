import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reports read one workflow's applications over a period of submission. */
export class ReportIndexes1796070812166 implements MigrationInterface {
  name = 'ReportIndexes1796070812166';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "applications_workflow_submitted" ON "applications" ("workflow_key", "submitted_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."applications_workflow_submitted"`);
  }
}
