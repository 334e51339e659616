import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities: each version keeps the document as the administrator posted it, which
 * `GET /workflows/{key}` answers, beside the definition the engine runs (defaults filled in). Versions registered
 * before it have none and answer their definition. Adding a nullable column rewrites nothing.
 */
export class WorkflowDocument1796627562951 implements MigrationInterface {
  name = 'WorkflowDocument1796627562951';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_versions" ADD "document" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_versions" DROP COLUMN "document"`);
  }
}
