import { sql } from 'kysely';
import { demoDataSets, type DemoDataSet } from './demo-data.js';
import type { EngramDatabase } from '../providers/postgres/index.js';

export interface SeedCounts {
  readonly tenants: number;
  readonly users: number;
  readonly facts: number;
  readonly threads: number;
  readonly messages: number;
  readonly documents: number;
}

/**
 * Loads the demo data sets (tenants `acme` and `globex`); idempotent (existing rows are kept), so
 * restarts can call it safely.
 */
export async function seedDemo(db: EngramDatabase, dataSets: readonly DemoDataSet[] = demoDataSets): Promise<SeedCounts> {
  await db.transaction().execute(async (tx) => {
    for (const { tenant, users, facts, threads, messages, documents } of dataSets) {
      await tx
        .insertInto('users')
        .values(users.map((u) => ({ tenant_id: tenant, id: u.id, email: u.email, first_name: u.firstName, last_name: u.lastName })))
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
        .execute();
      await tx
        .insertInto('profiles')
        .values(users.map((u) => ({
          tenant_id: tenant,
          user_id: u.id,
          locale: u.locale,
          timezone: u.timezone,
          plan: u.plan,
          bio: u.bio,
          preferences: JSON.stringify({ theme: u.plan === 'free' ? 'light' : 'dark' }),
        })))
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
        .execute();
      await tx
        .insertInto('facts')
        .values(facts.map((f) => ({
          tenant_id: tenant,
          id: f.id,
          user_id: f.userId,
          name: f.name,
          fact: f.fact,
          source_node: f.sourceNode,
          target_node: f.targetNode,
          valid_at: f.createdAt,
          invalid_at: null,
          created_at: f.createdAt,
        })))
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
        .execute();
      await tx
        .insertInto('threads')
        .values(threads.map((t) => ({ tenant_id: tenant, id: t.id, user_id: t.userId, created_at: t.createdAt })))
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
        .execute();
      await tx
        .insertInto('messages')
        .values(messages.map((m) => ({ tenant_id: tenant, id: m.id, thread_id: m.threadId, role: m.role, content: m.content, created_at: m.createdAt })))
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
        .execute();
      await tx
        .insertInto('documents')
        .values(documents.map((d) => ({ tenant_id: tenant, id: d.id, title: d.title, body: d.body, tags: sql<string[]>`${[...d.tags]}::text[]` })))
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
        .execute();
    }
  });
  const count = (pick: (set: DemoDataSet) => readonly unknown[]): number => dataSets.reduce((n, set) => n + pick(set).length, 0);
  return {
    tenants: dataSets.length,
    users: count((s) => s.users),
    facts: count((s) => s.facts),
    threads: count((s) => s.threads),
    messages: count((s) => s.messages),
    documents: count((s) => s.documents),
  };
}
