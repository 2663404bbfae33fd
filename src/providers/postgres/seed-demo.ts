import { sql } from 'kysely';
import { demoDocuments, demoFacts, demoMessages, demoThreads, demoUsers } from '../../demo/demo-data.js';
import type { EngramDatabase } from './database.js';

export interface SeedCounts {
  readonly users: number;
  readonly facts: number;
  readonly threads: number;
  readonly messages: number;
  readonly documents: number;
}

/** Loads the demo data set; idempotent (existing rows are kept), so restarts can call it safely. */
export async function seedDemo(db: EngramDatabase): Promise<SeedCounts> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('users')
      .values(demoUsers.map((u) => ({ id: u.id, email: u.email, first_name: u.firstName, last_name: u.lastName })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await tx
      .insertInto('profiles')
      .values(demoUsers.map((u) => ({
        user_id: u.id,
        locale: u.locale,
        timezone: u.timezone,
        plan: u.plan,
        bio: u.bio,
        preferences: JSON.stringify({ theme: u.plan === 'free' ? 'light' : 'dark' }),
      })))
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    await tx
      .insertInto('facts')
      .values(demoFacts.map((f) => ({
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
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await tx
      .insertInto('threads')
      .values(demoThreads.map((t) => ({ id: t.id, user_id: t.userId, created_at: t.createdAt })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await tx
      .insertInto('messages')
      .values(demoMessages.map((m) => ({ id: m.id, thread_id: m.threadId, role: m.role, content: m.content, created_at: m.createdAt })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await tx
      .insertInto('documents')
      .values(demoDocuments.map((d) => ({ id: d.id, title: d.title, body: d.body, tags: sql<string[]>`${[...d.tags]}::text[]` })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  });
  return {
    users: demoUsers.length,
    facts: demoFacts.length,
    threads: demoThreads.length,
    messages: demoMessages.length,
    documents: demoDocuments.length,
  };
}
