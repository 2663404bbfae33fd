import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/providers/postgres/migrations/index.js';
import { seedDemo } from '../../../src/demo/index.js';
import { migrateToLatest } from '../../../src/providers/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});

afterAll(async () => {
  await database?.close();
});

const migrator = (db: Kysely<unknown>) => new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });

describe('migration: tenancy', () => {
  it('moves data written before tenancy into the acme tenant, keeps it, and lets other tenants reuse its ids', async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const first = await migrator(db).migrateTo('2026-11-25T10-00-00-initial-schema');
    expect(first.error).toBeUndefined();
    await sql`insert into users (id, email, first_name, last_name) values ('u1', 'old@example.com', 'Old', 'Timer')`.execute(db);
    await sql`insert into threads (id, user_id, created_at) values ('t1', 'u1', now())`.execute(db);
    await sql`insert into messages (id, thread_id, role, content, created_at) values ('m1', 't1', 'user', 'kept across the migration', now())`.execute(db);

    await migrateToLatest(database.db);
    const { rows } = await sql<{ tenant_id: string; content: string }>`select tenant_id, content from messages`.execute(db);
    expect(rows).toEqual([{ tenant_id: 'acme', content: 'kept across the migration' }]);

    // Ids are unique per tenant now: globex's u1/t1 sit next to acme's, and acme's old rows stay.
    await seedDemo(database.db);
    const users = await sql<{ tenant_id: string; email: string }>`select tenant_id, email from users where id = 'u1' order by tenant_id`.execute(db);
    expect(users.rows).toEqual([{ tenant_id: 'acme', email: 'old@example.com' }, { tenant_id: 'globex', email: 'marie@globex.test' }]);

    // A thread cannot point at a user of another tenant.
    await expect(sql`insert into threads (tenant_id, id, user_id, created_at) values ('initech', 'tx', 'u1', now())`.execute(db)).rejects.toThrow(/foreign key/);
  });
});
