import type pg from 'pg';
import { groupByOrdinal, resultsByKey } from '../batch-results.js';
import { defineProvider } from '../define-provider.js';
import type { EngramDatabase } from './database.js';
import { toPostgresEngramError } from './postgres-failure.js';
import type {
  DocumentHit,
  DocumentSearchKey,
  FactRow,
  MessageRow,
  ThreadMessagesKey,
  UserFactsKey,
  ThreadFactsRow,
  PendingThreadContextRow,
  UserProfileRow,
} from './postgres-operations.js';
import { withStorableKeys } from './storable-keys.js';
import { ISO_TIMESTAMPTZ_TYPES } from './create-pool.js';
import { createStatementRunner, type StatementOptions } from './statement-runner.js';

// Statement texts are fixed (keys travel as array parameters), so they are written once here
// instead of being rebuilt and compiled by the query builder on every batch. `$1` is always the
// batch's tenant: no statement can reach a row of another tenant, whatever ids a key carries.
const SQL = {
  userProfile: `select u.id, u.email, u.first_name, u.last_name, u.created_at, p.locale, p.timezone, p.plan, p.bio, p.preferences
    from users u left join profiles p on p.tenant_id = u.tenant_id and p.user_id = u.id
    where u.tenant_id = $1 and u.id = any($2::text[])`,
  userFacts: `select k.ord, f.id, f.name, f.fact, f.source_node, f.target_node, f.valid_at, f.invalid_at, f.created_at
    from unnest($2::text[], $3::int[]) with ordinality as k(user_id, lim, ord)
    cross join lateral (
      select * from facts
      where facts.tenant_id = $1 and facts.user_id = k.user_id and facts.invalid_at is null
      order by facts.created_at desc, facts.id
      limit k.lim
    ) f
    order by k.ord, f.created_at desc, f.id`,
  threadMessages: `select k.ord, m.id, m.role, m.content, m.created_at
    from unnest($2::text[], $3::int[]) with ordinality as k(thread_id, lim, ord)
    join threads t on t.tenant_id = $1 and t.id = k.thread_id
    left join lateral (
      select * from messages
      where messages.tenant_id = $1 and messages.thread_id = k.thread_id
      order by messages.created_at desc, messages.id desc
      limit k.lim
    ) m on true
    order by k.ord, m.created_at, m.id`,
  // Only threads with writes Zep has not received yet answer; the others pass on to Zep.
  pendingThreadMessages: `select k.ord, m.id, m.role, m.content, m.created_at
    from unnest($2::text[], $3::int[]) with ordinality as k(thread_id, lim, ord)
    cross join lateral (
      select 1 from outbox
      where outbox.tenant_id = $1 and outbox.stream = 'thread:' || k.thread_id and outbox.delivered_at is null
      limit 1
    ) p
    cross join lateral (
      select * from messages
      where messages.tenant_id = $1 and messages.thread_id = k.thread_id
      order by messages.created_at desc, messages.id desc
      limit k.lim
    ) m
    order by k.ord, m.created_at, m.id`,
  // Threads whose messages, or whose user's facts, Zep has not received yet; the others pass on.
  pendingThreadContext: `select k.ord, t.id as thread_id, t.user_id,
      coalesce((select json_agg(f order by f.created_at desc, f.id) from (
        select id, name, fact, source_node, target_node, valid_at, invalid_at, created_at from facts
        where facts.tenant_id = $1 and facts.user_id = t.user_id and facts.invalid_at is null
        order by facts.created_at desc, facts.id limit 20) f), '[]') as facts,
      coalesce((select json_agg(m order by m.created_at, m.id) from (
        select id, role, content, created_at from messages
        where messages.tenant_id = $1 and messages.thread_id = t.id
        order by messages.created_at desc, messages.id desc limit 4) m), '[]') as messages
    from unnest($2::text[]) with ordinality as k(thread_id, ord)
    join threads t on t.tenant_id = $1 and t.id = k.thread_id
    where exists (
      select 1 from outbox
      where outbox.tenant_id = $1 and outbox.delivered_at is null and outbox.stream in ('thread:' || t.id, 'user:' || t.user_id)
    )`,
  threadFacts: `select k.ord, t.id as thread_id, t.user_id, f.id, f.name, f.fact, f.source_node, f.target_node, f.valid_at, f.invalid_at, f.created_at
    from unnest($2::text[]) with ordinality as k(thread_id, ord)
    join threads t on t.tenant_id = $1 and t.id = k.thread_id
    left join lateral (
      select * from facts
      where facts.tenant_id = $1 and facts.user_id = t.user_id and facts.invalid_at is null
      order by facts.created_at desc, facts.id
      limit 20
    ) f on true
    order by k.ord, f.created_at desc, f.id`,
  threadOwner: `select k.ord, t.user_id
    from unnest($2::text[]) with ordinality as k(thread_id, ord)
    join threads t on t.tenant_id = $1 and t.id = k.thread_id`,
  searchDocuments: `select k.ord, d.id, d.title, d.snippet, d.tags, d.rank
    from unnest($2::text[], $3::int[]) with ordinality as k(q, lim, ord)
    cross join lateral (
      select documents.id, documents.title, documents.tags,
        ts_rank(documents.search, websearch_to_tsquery('english', k.q))::float8 as rank,
        ts_headline('english', documents.body, websearch_to_tsquery('english', k.q), 'MaxFragments=1, MaxWords=24, MinWords=8') as snippet
      from documents
      where documents.tenant_id = $1 and documents.search @@ websearch_to_tsquery('english', k.q)
      order by rank desc, documents.id
      limit k.lim
    ) d
    order by k.ord, d.rank desc, d.id`,
} as const;

/** Each fixed statement under its own prepared-statement name. */
// Their timestamps only become ISO strings: parsed to those directly, with no `Date` in between.
const NAMED = Object.fromEntries(Object.keys(SQL).map((key) => [key, { name: `engram_${key}`, types: ISO_TIMESTAMPTZ_TYPES }])) as Record<keyof typeof SQL, StatementOptions>;
const USER_PROFILE_OPTIONS = { ...NAMED.userProfile, rowMode: 'array' } as const;

/** @internal the statement texts, for tools that must send exactly the same SQL (bench peers). */
export const POSTGRES_PROVIDER_SQL: Readonly<Record<keyof typeof SQL, string>> = SQL;

/** An ISO string already in `toISOString`'s form: `2026-11-25T16:58:53.915Z`. */
const isCanonicalIso = (value: string): boolean =>
  value.length === 24 && value.charCodeAt(10) === 84 && value.charCodeAt(19) === 46 && value.charCodeAt(23) === 90;

// Timestamps arrive as ISO strings from the fixed statements on a real server (ISO_TIMESTAMPTZ_TYPES),
// as `Date`s from PGlite, and as PostgreSQL's JSON text inside json_agg rows.
const iso = (value: Date | string | null): string | null =>
  value === null ? null : value instanceof Date ? value.toISOString() : isCanonicalIso(value) ? value : new Date(value).toISOString();

interface FactSqlRow {
  ord: number | string;
  id: string;
  name: string;
  fact: string;
  source_node: string;
  target_node: string;
  valid_at: Date | string | null;
  invalid_at: Date | string | null;
  created_at: Date | string;
}

const toFact = (r: Omit<FactSqlRow, 'ord'>): FactRow => ({
  id: r.id,
  name: r.name,
  fact: r.fact,
  sourceNode: r.source_node,
  targetNode: r.target_node,
  validAt: iso(r.valid_at),
  invalidAt: iso(r.invalid_at),
  createdAt: iso(r.created_at) as string,
});

export interface PostgresProviderOptions {
  /** The cold store (PostgreSQL or PGlite), migrated. */
  readonly db: EngramDatabase;
  /**
   * The pg pool behind `db` on a real server (`openDatabase` returns it): statements then go to it
   * directly and are cancelled on the server when their batch is abandoned. Without it (PGlite),
   * they go through Kysely.
   */
  readonly pool?: pg.Pool | undefined;
  /**
   * Send the fixed statements as named prepared statements: each connection parses and plans a
   * statement once, then sends only parameters (the database does less per batch). Turn it off
   * behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
   * @default true
   */
  readonly preparedStatements?: boolean | undefined;
}

/** A `userProfile` row as an array, in the statement's select order. */
type ProfileSqlRow = [
  id: string, email: string, firstName: string, lastName: string, createdAt: Date | string,
  locale: string | null, timezone: string | null, plan: string | null, bio: string | null, preferences: Record<string, unknown> | null,
];

/**
 * Cold, structured context from PostgreSQL. Every operation answers a whole batch with one SQL
 * statement: keys travel as arrays (`unnest … with ordinality`) and per-key limits are applied
 * with `cross join lateral`, so N fields cost one round trip. Every statement filters by the
 * batch's tenant. A key PostgreSQL cannot hold fails in its own slot (see `withStorableKeys`).
 * Operations match `postgresOps`, so definitions can name them before any connection exists.
 */
export function postgresProvider(options: PostgresProviderOptions) {
  const run = createStatementRunner(options);

  return defineProvider({
    name: 'postgres',
    operations: {
      userProfile: withStorableKeys({
        load: async (userIds: readonly string[], { tenant, signal, countCall }): Promise<Array<UserProfileRow | null>> => {
          countCall();
          // Arrays, not objects: one profile per field of a request, the hottest statement.
          const rows = await run<ProfileSqlRow>(SQL.userProfile, [tenant, userIds], signal, USER_PROFILE_OPTIONS);
          return resultsByKey(userIds, rows, (k) => k, (r) => r[0], (r) => ({
            id: r[0],
            email: r[1],
            firstName: r[2],
            lastName: r[3],
            locale: r[5],
            timezone: r[6],
            plan: r[7],
            bio: r[8],
            preferences: r[9],
            createdAt: iso(r[4]) as string,
          }), null);
        },
      }),

      userFacts: withStorableKeys({
        keyId: (k: UserFactsKey) => `${k.userId}\u0000${k.limit}`,
        load: async (keys: readonly UserFactsKey[], { tenant, signal, countCall }): Promise<FactRow[][]> => {
          countCall();
          const rows = await run<FactSqlRow>(SQL.userFacts, [tenant, keys.map((k) => k.userId), keys.map((k) => k.limit)], signal, NAMED.userFacts);
          return groupByOrdinal(keys.length, rows, toFact);
        },
      }),

      threadMessages: withStorableKeys({
        keyId: (k: ThreadMessagesKey) => `${k.threadId}\u0000${k.lastN}`,
        load: async (keys: readonly ThreadMessagesKey[], { tenant, signal, countCall }): Promise<Array<MessageRow[] | null>> => {
          countCall();
          const rows = await run<{ ord: number | string; id: string | null; role: string; content: string; created_at: Date }>(
            SQL.threadMessages,
            [tenant, keys.map((k) => k.threadId), keys.map((k) => k.lastN)],
            signal,
            NAMED.threadMessages,
          );
          const known = new Set(rows.map((r) => Number(r.ord)));
          const groups = groupByOrdinal(keys.length, rows.filter((r) => r.id !== null), (r): MessageRow => ({
            id: r.id as string,
            role: r.role,
            content: r.content,
            createdAt: iso(r.created_at) as string,
          }));
          return groups.map((messages, i) => (known.has(i + 1) ? messages : null));
        },
      }),

      pendingThreadMessages: withStorableKeys({
        keyId: (k: ThreadMessagesKey) => `${k.threadId}\u0000${k.lastN}`,
        load: async (keys: readonly ThreadMessagesKey[], { tenant, signal, countCall }): Promise<Array<MessageRow[] | false>> => {
          countCall();
          const rows = await run<{ ord: number | string; id: string; role: string; content: string; created_at: Date }>(
            SQL.pendingThreadMessages,
            [tenant, keys.map((k) => k.threadId), keys.map((k) => k.lastN)],
            signal,
            NAMED.pendingThreadMessages,
          );
          const groups = groupByOrdinal(keys.length, rows, (r): MessageRow => ({ id: r.id, role: r.role, content: r.content, createdAt: iso(r.created_at) as string }));
          return groups.map((messages) => (messages.length === 0 ? false : messages));
        },
      }),

      pendingThreadContext: withStorableKeys({
        load: async (threadIds: readonly string[], { tenant, signal, countCall }): Promise<Array<PendingThreadContextRow | false>> => {
          countCall();
          const rows = await run<{ ord: number | string; thread_id: string; user_id: string; facts: Array<Omit<FactSqlRow, 'ord'>>; messages: Array<{ id: string; role: string; content: string; created_at: string }> }>(
            SQL.pendingThreadContext,
            [tenant, threadIds],
            signal,
            NAMED.pendingThreadContext,
          );
          const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
          return threadIds.map((_, i) => {
            const r = byOrd.get(i + 1);
            if (!r) return false;
            return {
              threadId: r.thread_id,
              userId: r.user_id,
              facts: r.facts.map(toFact),
              messages: r.messages.map((m) => ({ id: m.id, role: m.role, content: m.content, createdAt: iso(m.created_at) as string })),
            };
          });
        },
      }),

      threadFacts: withStorableKeys({
        load: async (threadIds: readonly string[], { tenant, signal, countCall }): Promise<Array<ThreadFactsRow | null>> => {
          countCall();
          const rows = await run<Omit<FactSqlRow, 'id'> & { id: string | null; thread_id: string; user_id: string }>(SQL.threadFacts, [tenant, threadIds], signal, NAMED.threadFacts);
          const byOrd = new Map<number, { threadId: string; userId: string; facts: FactRow[] }>();
          for (const r of rows) {
            const ord = Number(r.ord);
            let entry = byOrd.get(ord);
            if (!entry) {
              entry = { threadId: r.thread_id, userId: r.user_id, facts: [] };
              byOrd.set(ord, entry);
            }
            // The row is a fact row once its id is known: mapped as it is, not copied.
            if (r.id !== null) entry.facts.push(toFact(r as Omit<FactSqlRow, 'ord'>));
          }
          return threadIds.map((_, i) => byOrd.get(i + 1) ?? null);
        },
      }),

      threadOwner: withStorableKeys({
        load: async (threadIds: readonly string[], { tenant, signal, countCall }): Promise<Array<string | null>> => {
          countCall();
          const rows = await run<{ ord: number | string; user_id: string }>(SQL.threadOwner, [tenant, threadIds], signal, NAMED.threadOwner);
          const owners = groupByOrdinal(threadIds.length, rows, (r) => r.user_id);
          return owners.map((list) => list[0] ?? null);
        },
      }),

      searchDocuments: withStorableKeys({
        keyId: (k: DocumentSearchKey) => `${k.query}\u0000${k.limit}`,
        load: async (keys: readonly DocumentSearchKey[], { tenant, signal, countCall }): Promise<DocumentHit[][]> => {
          countCall();
          const rows = await run<{ ord: number | string; id: string; title: string; snippet: string; tags: string[]; rank: number }>(
            SQL.searchDocuments,
            [tenant, keys.map((k) => k.query), keys.map((k) => k.limit)],
            signal,
            NAMED.searchDocuments,
          );
          return groupByOrdinal(keys.length, rows, (r): DocumentHit => ({
            id: r.id,
            title: r.title,
            snippet: r.snippet,
            tags: r.tags,
            rank: Number(r.rank),
          }));
        },
      }),
    },
    mapError: (error, operation) => toPostgresEngramError(error, { provider: 'postgres', operation }),
    // A failure is reported by the runtime as { ok: false, detail }.
    health: async () => {
      await run('select 1', [], AbortSignal.timeout(2000));
      return { ok: true };
    },
  });
}
