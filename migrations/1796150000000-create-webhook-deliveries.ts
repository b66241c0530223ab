import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWebhookDeliveries1796150000000 implements MigrationInterface {
  name = 'CreateWebhookDeliveries1796150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A schedule's webhook, given to each run's job; the secret sealed (AES-256-GCM, key in server_secrets).
    await queryRunner.query(
      'ALTER TABLE export_schedules ADD COLUMN webhook_url text, ADD COLUMN webhook_secret text',
    );
    // A job's webhook is the delivery announcing its end, stored with the job and due once it ended.
    await queryRunner.query(
      `CREATE TABLE webhook_deliveries (
         id uuid PRIMARY KEY,
         job_id uuid NOT NULL UNIQUE REFERENCES export_jobs (id) ON DELETE CASCADE,
         -- The schedule whose run the job is; no foreign key, the payload names it after a delete too.
         schedule_id uuid,
         url text NOT NULL,
         -- Sealed (AES-256-GCM, key in server_secrets), never in plain text.
         secret text NOT NULL,
         state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
         -- A scheduled run's delivery waits for the run's change summary.
         awaits_changes boolean NOT NULL DEFAULT false,
         changes jsonb,
         -- The document the first attempt sent, as sent: every later attempt sends the same bytes.
         body text,
         attempts integer NOT NULL DEFAULT 0,
         first_attempt_at timestamptz,
         -- NULL until the first attempt failed: the first is due when the job ends.
         next_attempt_at timestamptz,
         -- The server making an attempt, and until when it holds the delivery.
         server_id text,
         lease_expires_at timestamptz,
         delivered_at timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    // The deliverers' question, asked by every server: what is due (or waits for its job to end).
    await queryRunner.query(
      "CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'",
    );
    await queryRunner.query(
      `CREATE TABLE webhook_delivery_attempts (
         delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
         attempt integer NOT NULL,
         server_id text NOT NULL,
         started_at timestamptz NOT NULL,
         finished_at timestamptz,
         status_code integer,
         error text,
         PRIMARY KEY (delivery_id, attempt)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_delivery_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query(
      'ALTER TABLE export_schedules DROP COLUMN webhook_url, DROP COLUMN webhook_secret',
    );
  }
}
