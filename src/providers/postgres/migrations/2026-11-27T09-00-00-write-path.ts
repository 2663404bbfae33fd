import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The write path: `outbox` (what Zep must still be told, in order per stream) and `idempotency_keys`
 * (the first answer of a write, per tenant, subject and key). Written messages and facts go to the
 * existing `messages` and `facts` tables, so reads of the cold store see them at once.
 */
export const writePath: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('outbox')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('id', 'bigserial', (c) => c.notNull())
      // `thread:<id>` or `user:<id>`: entries of one stream are delivered one after the other, in id order.
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('messages', 'facts')`))
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('lease_until', 'timestamptz')
      .addColumn('lease_token', 'text')
      .addColumn('delivered_at', 'timestamptz')
      .addColumn('last_error', 'text')
      .addPrimaryKeyConstraint('outbox_pkey', ['tenant_id', 'id'])
      .execute();
    // Serves "the head of every stream with work left" (the worker's claim) and the depth gauges.
    await sql`create index outbox_pending on outbox (tenant_id, stream, id) where delivered_at is null`.execute(db);

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('response', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant_id', 'subject', 'key'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('idempotency_keys').ifExists().execute();
    await db.schema.dropTable('outbox').ifExists().execute();
  },
};
