import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook attempt posts outside any transaction, holding a lease on its delivery instead of a connection and a
 * lock for as long as the receiver takes to answer.
 */
export class WebhookDeliveryLease1796240856151 implements MigrationInterface {
  name = 'WebhookDeliveryLease1796240856151';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD "leased_until" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP COLUMN "leased_until"`);
  }
}
