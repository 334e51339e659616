import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stored responses become `json`: jsonb reorders keys, and a replay must return the first response's bytes. */
export class IdempotencyJsonBody1795773065341 implements MigrationInterface {
  name = 'IdempotencyJsonBody1795773065341';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Reviewed: the generated DROP/ADD would lose stored responses; a type change keeps them.
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ALTER COLUMN "response_body" TYPE json USING "response_body"::json`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ALTER COLUMN "response_body" TYPE jsonb USING "response_body"::jsonb`,
    );
  }
}
