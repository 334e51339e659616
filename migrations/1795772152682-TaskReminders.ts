import { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskReminders1795772152682 implements MigrationInterface {
  name = 'TaskReminders1795772152682';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD "due_beyond_calendar" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "tasks" ADD "remind_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE INDEX "tasks_open_remind" ON "tasks"  ("remind_at") WHERE status = 'open' AND NOT reminded`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."tasks_open_remind"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "remind_at"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "due_beyond_calendar"`);
  }
}
