import { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities: the correction window and waiting time, claims and raised signatures. */
export class CorrectionsAndToolbox1796061641044 implements MigrationInterface {
  name = 'CorrectionsAndToolbox1796061641044';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "applications" ADD "correction_due_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "applications" ADD "waiting" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD "claimed_by" text`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD "signoff_required" integer`);
    await queryRunner.query(
      `CREATE INDEX "applications_correction_due" ON "applications"  ("correction_due_at") WHERE status = 'correction_requested'`,
    );
    await queryRunner.query(
      `CREATE INDEX "tasks_open_claimed" ON "tasks"  ("claimed_by") WHERE status = 'open' AND claimed_by IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."tasks_open_claimed"`);
    await queryRunner.query(`DROP INDEX "public"."applications_correction_due"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "signoff_required"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "claimed_by"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "waiting"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "correction_due_at"`);
  }
}
