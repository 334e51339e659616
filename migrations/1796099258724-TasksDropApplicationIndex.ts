import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * tasks(application_id) repeats the first column of tasks_application_step_attempt, which serves every read by
 * application; the copy cost one more index write for each task inserted or decided.
 */
export class TasksDropApplicationIndex1796099258724 implements MigrationInterface {
  name = 'TasksDropApplicationIndex1796099258724';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_abb18969c2d02905658dbb9916"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_abb18969c2d02905658dbb9916" ON "tasks" USING btree ("application_id") `,
    );
  }
}
