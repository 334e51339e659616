import { MigrationInterface, QueryRunner } from 'typeorm';

export class FactCache1795774038635 implements MigrationInterface {
  name = 'FactCache1795774038635';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "fact_cache" ("application_id" uuid NOT NULL, "name" text NOT NULL, "url" text NOT NULL, "value" jsonb NOT NULL, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7ef86b81cb6e0ff4ee7246eae7f" PRIMARY KEY ("application_id", "name"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "fact_cache"`);
  }
}
