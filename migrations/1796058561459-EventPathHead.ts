import { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated from the entities; the backfills of existing rows are added by hand. */
export class EventPathHead1796058561459 implements MigrationInterface {
  name = 'EventPathHead1796058561459';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "applications" ADD "history_seq" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `ALTER TABLE "applications" ADD "history_hash" text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'`,
    );
    // Existing chains: the head is the last row of each application's history.
    await queryRunner.query(
      `UPDATE "applications" a SET "history_seq" = h."seq", "history_hash" = h."hash"
       FROM (SELECT DISTINCT ON ("application_id") "application_id", "seq", "hash" FROM "history"
             ORDER BY "application_id", "seq" DESC) h
       WHERE h."application_id" = a."id"`,
    );
    await queryRunner.query(`ALTER TABLE "tasks" ADD "workflow_version" integer`);
    await queryRunner.query(
      `UPDATE "tasks" t SET "workflow_version" = a."workflow_version" FROM "applications" a WHERE a."id" = t."application_id"`,
    );
    await queryRunner.query(`ALTER TABLE "tasks" ALTER COLUMN "workflow_version" SET NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "workflow_version"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "history_hash"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "history_seq"`);
  }
}
