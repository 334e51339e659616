import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795772042598 implements MigrationInterface {
  name = 'Init1795772042598';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "history" ("application_id" uuid NOT NULL, "seq" integer NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_role" text NOT NULL, "actor_id" text NOT NULL, "type" text NOT NULL, "step" text, "detail" jsonb NOT NULL, "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_9b9ad3298a32bb43885d301167c" PRIMARY KEY ("application_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "applications" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workflow_key" text NOT NULL, "workflow_version" integer NOT NULL, "applicant_id" text NOT NULL, "status" text NOT NULL, "data" jsonb NOT NULL, "produced" jsonb NOT NULL, "snapshot" jsonb NOT NULL, "revision" integer NOT NULL DEFAULT '1', "submitted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE, "expected_by" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_938c0a27255637bde919591888f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "applications_applicant_submitted" ON "applications"  ("applicant_id", "submitted_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("caller" text NOT NULL, "key" text NOT NULL, "request_hash" text NOT NULL, "response_status" integer NOT NULL, "response_body" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a661c9488678a6eb48ebb65eb63" PRIMARY KEY ("caller", "key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "workflow_versions" ("key" text NOT NULL, "version" integer NOT NULL, "name" text NOT NULL, "definition" jsonb NOT NULL, "content_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_517f310846569240686917458f2" PRIMARY KEY ("key", "version"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_701c4a9f43506939a62aa2eee6" ON "workflow_versions"  ("content_hash") `,
    );
    await queryRunner.query(
      `CREATE TABLE "tasks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "application_id" uuid NOT NULL, "workflow_key" text NOT NULL, "step" text NOT NULL, "attempt" integer NOT NULL, "department" text NOT NULL, "status" text NOT NULL, "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE, "decided_by" text, "decided_by_officer" text, "overdue" boolean NOT NULL DEFAULT false, "reminded" boolean NOT NULL DEFAULT false, "signoffs" jsonb NOT NULL, "comment" text, CONSTRAINT "tasks_application_step_attempt" UNIQUE ("application_id", "step", "attempt"), CONSTRAINT "PK_8d12ff38fcc62aaba2cab748772" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_abb18969c2d02905658dbb9916" ON "tasks"  ("application_id") `);
    await queryRunner.query(`CREATE INDEX "tasks_open_due" ON "tasks"  ("due_at") WHERE status = 'open'`);
    await queryRunner.query(
      `CREATE INDEX "tasks_inbox" ON "tasks"  ("department", "status", "due_at", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."tasks_inbox"`);
    await queryRunner.query(`DROP INDEX "public"."tasks_open_due"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_abb18969c2d02905658dbb9916"`);
    await queryRunner.query(`DROP TABLE "tasks"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_701c4a9f43506939a62aa2eee6"`);
    await queryRunner.query(`DROP TABLE "workflow_versions"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "public"."applications_applicant_submitted"`);
    await queryRunner.query(`DROP TABLE "applications"`);
    await queryRunner.query(`DROP TABLE "history"`);
  }
}
