import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhooksRatings1796058209496 implements MigrationInterface {
  name = 'WebhooksRatings1796058209496';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "ratings" ("application_id" uuid NOT NULL, "workflow_key" text NOT NULL, "applicant_id" text NOT NULL, "score" smallint NOT NULL, "comment" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4c6bdd981d4e284a3d40b66531c" PRIMARY KEY ("application_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ratings_workflow_created" ON "ratings"  ("workflow_key", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" text NOT NULL, "events" jsonb NOT NULL, "workflow" text, "secret" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_by" text NOT NULL, CONSTRAINT "PK_bf631ae77d39849d599817fb6f4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subscription_id" uuid NOT NULL, "application_id" uuid NOT NULL, "seq" integer NOT NULL, "event_type" text NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_attempt_at" TIMESTAMP WITH TIME ZONE, "last_status" integer, "last_error" text, "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "webhook_deliveries_subscription_application_seq" UNIQUE ("subscription_id", "application_id", "seq"), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_log" ON "webhook_deliveries"  ("subscription_id", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries"  ("subscription_id", "application_id", "seq") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_23eb2b6ae801c52cfb79a556b8a" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // The outbox is filled in the transaction that writes the history entry: no process can die in between.
    await queryRunner.query(`
            CREATE FUNCTION pa_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO webhook_deliveries (subscription_id, application_id, seq, event_type)
              SELECT s.id, NEW.application_id, NEW.seq, NEW.type
              FROM webhook_subscriptions s JOIN applications a ON a.id = NEW.application_id
              WHERE (s.workflow IS NULL OR s.workflow = a.workflow_key)
                AND (s.events ? '*' OR s.events ? NEW.type);
              IF FOUND THEN
                PERFORM pg_notify('pa_webhooks', NEW.application_id::text);
              END IF;
              RETURN NULL;
            END $$`);
    await queryRunner.query(
      `CREATE TRIGGER history_webhook_outbox AFTER INSERT ON "history" FOR EACH ROW EXECUTE FUNCTION pa_webhook_outbox()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "history_webhook_outbox" ON "history"`);
    await queryRunner.query(`DROP FUNCTION pa_webhook_outbox()`);
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_23eb2b6ae801c52cfb79a556b8a"`,
    );
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_pending"`);
    await queryRunner.query(`DROP INDEX "public"."webhook_deliveries_log"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
    await queryRunner.query(`DROP INDEX "public"."ratings_workflow_created"`);
    await queryRunner.query(`DROP TABLE "ratings"`);
  }
}
