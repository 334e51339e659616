import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities: `webhook_deliveries_pending` application first. Every history entry that makes a
 * delivery wakes its application's pairs (`wakeQuery`); with the subscription first, that wake read every pending row
 * of every subscription, so a receiver that was down made every later event's wake slower as its backlog grew. The
 * pair's own queries (`LEASE_HEAD`) and the sweep's read it as well in this order. Building it locks the table's
 * writes for as long as the pending rows take to index; nothing is rewritten.
 */
export class WebhookWakeIndex1796605706935 implements MigrationInterface {
  name = 'WebhookWakeIndex1796605706935';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" ("application_id", "subscription_id", "seq") WHERE status = 'pending'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending"`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" ("subscription_id", "application_id", "seq") WHERE status = 'pending'`,
    );
  }
}
