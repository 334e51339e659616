import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two mends of the webhook outbox, generated from the entities and reviewed; the type change is written as an ALTER,
 * where TypeORM would drop the column and add it again, losing every row's time.
 *
 * - `created_at` to the millisecond. The delivery log's page cursor carries the last row's time as a Date holds it,
 *   to the millisecond; stored to the microsecond (`now()`), every row after the cursor's time within its
 *   millisecond was skipped, and a history entry's deliveries share one `now()`. Existing rows are rounded as the
 *   type does.
 * - `webhook_deliveries_pending` application first. Every history entry that makes a delivery wakes its
 *   application's pairs; with the subscription first, that wake read every pending row of every subscription, so a
 *   receiver that was down made every other event's wake slower as its backlog grew.
 */
export class WebhookLogCursorAndWake1796605706935 implements MigrationInterface {
  name = 'WebhookLogCursorAndWake1796605706935';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ALTER COLUMN "created_at" TYPE TIMESTAMP(3) WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" ("application_id", "subscription_id", "seq") WHERE status = 'pending'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ALTER COLUMN "created_at" TYPE TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" ("subscription_id", "application_id", "seq") WHERE status = 'pending'`,
    );
  }
}
