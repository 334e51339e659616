import { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskRulePending1795774334584 implements MigrationInterface {
  name = 'TaskRulePending1795774334584';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" ADD "rule_pending" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `CREATE INDEX "tasks_rule_pending" ON "tasks"  ("opened_at") WHERE status = 'open' AND rule_pending`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."tasks_rule_pending"`);
    await queryRunner.query(`ALTER TABLE "tasks" DROP COLUMN "rule_pending"`);
  }
}
