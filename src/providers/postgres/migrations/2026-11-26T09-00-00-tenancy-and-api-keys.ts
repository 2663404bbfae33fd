import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Rows that existed before tenancy belonged to the only tenant there was: the demo's. */
const LEGACY_TENANT = 'acme';

const TABLES = ['users', 'profiles', 'facts', 'threads', 'messages', 'documents'] as const;

/**
 * Tenant isolation by construction: every cold-store table gets `tenant_id`, part of every primary
 * and foreign key, so that a row can only be reached (or referenced) within its tenant. Adds the
 * `api_keys` table (hashed secrets).
 */
export const tenancyAndApiKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const fk of ['profiles_user_id_fkey', 'facts_user_id_fkey', 'threads_user_id_fkey', 'messages_thread_id_fkey']) {
      const table = fk.split('_')[0] as string;
      await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(fk)}`.execute(db);
    }
    for (const table of TABLES) {
      await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(`${table}_pkey`)}`.execute(db);
      await sql`alter table ${sql.table(table)} add column tenant_id text not null default ${sql.lit(LEGACY_TENANT)}`.execute(db);
      await sql`alter table ${sql.table(table)} alter column tenant_id drop default`.execute(db);
    }
    await sql`alter table users add primary key (tenant_id, id)`.execute(db);
    await sql`alter table profiles add primary key (tenant_id, user_id)`.execute(db);
    await sql`alter table facts add primary key (tenant_id, id)`.execute(db);
    await sql`alter table threads add primary key (tenant_id, id)`.execute(db);
    await sql`alter table messages add primary key (tenant_id, id)`.execute(db);
    await sql`alter table documents add primary key (tenant_id, id)`.execute(db);
    await sql`alter table profiles add foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade`.execute(db);
    await sql`alter table facts add foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade`.execute(db);
    await sql`alter table threads add foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade`.execute(db);
    await sql`alter table messages add foreign key (tenant_id, thread_id) references threads (tenant_id, id) on delete cascade`.execute(db);

    await sql`drop index if exists facts_user_recent`.execute(db);
    await sql`create index facts_user_recent on facts (tenant_id, user_id, created_at desc)`.execute(db);
    await sql`drop index if exists messages_thread_recent`.execute(db);
    await sql`create index messages_thread_recent on messages (tenant_id, thread_id, created_at desc, id desc)`.execute(db);

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz')
      .addColumn('last_used_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await sql`create index api_keys_tenant on api_keys (tenant_id, created_at desc)`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('api_keys').ifExists().execute();
    // Going back to ids unique across tenants keeps only the legacy tenant's rows.
    for (const table of ['messages', 'threads', 'facts', 'profiles', 'documents', 'users']) {
      await sql`delete from ${sql.table(table)} where tenant_id <> ${LEGACY_TENANT}`.execute(db);
    }
    for (const fk of ['profiles_tenant_id_user_id_fkey', 'facts_tenant_id_user_id_fkey', 'threads_tenant_id_user_id_fkey', 'messages_tenant_id_thread_id_fkey']) {
      const table = fk.split('_')[0] as string;
      await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(fk)}`.execute(db);
    }
    for (const table of TABLES) {
      await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(`${table}_pkey`)}`.execute(db);
      await sql`alter table ${sql.table(table)} drop column tenant_id`.execute(db);
    }
    await sql`alter table users add primary key (id)`.execute(db);
    await sql`alter table profiles add primary key (user_id)`.execute(db);
    await sql`alter table facts add primary key (id)`.execute(db);
    await sql`alter table threads add primary key (id)`.execute(db);
    await sql`alter table messages add primary key (id)`.execute(db);
    await sql`alter table documents add primary key (id)`.execute(db);
    await sql`alter table profiles add foreign key (user_id) references users (id) on delete cascade`.execute(db);
    await sql`alter table facts add foreign key (user_id) references users (id) on delete cascade`.execute(db);
    await sql`alter table threads add foreign key (user_id) references users (id) on delete cascade`.execute(db);
    await sql`alter table messages add foreign key (thread_id) references threads (id) on delete cascade`.execute(db);
    await sql`create index if not exists facts_user_recent on facts (user_id, created_at desc)`.execute(db);
    await sql`create index if not exists messages_thread_recent on messages (thread_id, created_at desc, id desc)`.execute(db);
  },
};
