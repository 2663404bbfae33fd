import { CompiledQuery } from 'kysely';
import type { EngramError } from '../../errors/index.js';
import { groupByOrdinal, resultsByKey } from '../batch-results.js';
import type { OperationRef, ProviderOperation } from '../operation.js';
import { BaseProvider, type ProviderHealth } from '../provider.js';
import type { EngramDatabase } from './database.js';
import { toPostgresEngramError } from './postgres-failure.js';
import {
  postgresOps,
  type DocumentHit,
  type DocumentSearchKey,
  type FactRow,
  type MessageRow,
  type ThreadMessagesKey,
  type UserFactsKey,
} from './postgres-operations.js';
import { withStorableKeys } from './storable-keys.js';

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

/** @internal the statement texts, for tools that must send exactly the same SQL (bench peers). */
export const POSTGRES_PROVIDER_SQL: Readonly<Record<keyof typeof SQL, string>> = SQL;

const iso = (value: Date | string | null): string | null =>
  value === null ? null : value instanceof Date ? value.toISOString() : new Date(value).toISOString();

interface FactSqlRow {
  ord: number | string;
  id: string;
  name: string;
  fact: string;
  source_node: string;
  target_node: string;
  valid_at: Date | null;
  invalid_at: Date | null;
  created_at: Date;
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

/**
 * Cold, structured context from PostgreSQL. Every operation answers a whole batch with one SQL
 * statement: keys travel as arrays (`unnest … with ordinality`) and per-key limits are applied
 * with `cross join lateral`, so N fields cost one round trip.
 */
export class PostgresProvider extends BaseProvider {
  readonly #db: EngramDatabase;

  /** Sends one statement; every statement of the provider goes through here and is counted. */
  async #query<R>(text: string, parameters: readonly unknown[]): Promise<R[]> {
    this.statsRecorder.recordCall();
    const { rows } = await this.#db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
    return [...rows];
  }

  constructor(db: EngramDatabase) {
    super('postgres');
    this.#db = db;

    this.register(postgresOps.userProfile, {
      keyId: (userId) => userId,
      load: async (userIds, { tenant }) => {
        const rows = await this.#query<{
          id: string; email: string; first_name: string; last_name: string; created_at: Date;
          locale: string | null; timezone: string | null; plan: string | null; bio: string | null; preferences: Record<string, unknown> | null;
        }>(SQL.userProfile, [tenant, [...userIds]]);
        return resultsByKey(userIds, rows, (k) => k, (r) => r.id, (r) => ({
          id: r.id,
          email: r.email,
          firstName: r.first_name,
          lastName: r.last_name,
          locale: r.locale,
          timezone: r.timezone,
          plan: r.plan,
          bio: r.bio,
          preferences: r.preferences,
          createdAt: iso(r.created_at) as string,
        }), null);
      },
    });

    this.register(postgresOps.userFacts, {
      keyId: (k: UserFactsKey) => `${k.userId}\u0000${k.limit}`,
      load: async (keys, { tenant }) => {
        const rows = await this.#query<FactSqlRow>(SQL.userFacts, [tenant, keys.map((k) => k.userId), keys.map((k) => k.limit)]);
        return groupByOrdinal(keys.length, rows, toFact);
      },
    });

    this.register(postgresOps.threadMessages, {
      keyId: (k: ThreadMessagesKey) => `${k.threadId}\u0000${k.lastN}`,
      load: async (keys, { tenant }) => {
        const rows = await this.#query<{ ord: number | string; id: string | null; role: string; content: string; created_at: Date }>(
          SQL.threadMessages,
          [tenant, keys.map((k) => k.threadId), keys.map((k) => k.lastN)],
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
    });

    this.register(postgresOps.threadFacts, {
      keyId: (threadId) => threadId,
      load: async (threadIds, { tenant }) => {
        const rows = await this.#query<Omit<FactSqlRow, 'id'> & { id: string | null; thread_id: string; user_id: string }>(SQL.threadFacts, [tenant, [...threadIds]]);
        const byOrd = new Map<number, { threadId: string; userId: string; facts: FactRow[] }>();
        for (const r of rows) {
          const ord = Number(r.ord);
          let entry = byOrd.get(ord);
          if (!entry) {
            entry = { threadId: r.thread_id, userId: r.user_id, facts: [] };
            byOrd.set(ord, entry);
          }
          if (r.id !== null) entry.facts.push(toFact({ ...r, id: r.id }));
        }
        return threadIds.map((_, i) => byOrd.get(i + 1) ?? null);
      },
    });

    this.register(postgresOps.threadOwner, {
      keyId: (threadId) => threadId,
      load: async (threadIds, { tenant }) => {
        const rows = await this.#query<{ ord: number | string; user_id: string }>(SQL.threadOwner, [tenant, [...threadIds]]);
        const owners = groupByOrdinal(threadIds.length, rows, (r) => r.user_id);
        return owners.map((list) => list[0] ?? null);
      },
    });

    this.register(postgresOps.searchDocuments, {
      keyId: (k: DocumentSearchKey) => `${k.query}\u0000${k.limit}`,
      load: async (keys, { tenant }) => {
        const rows = await this.#query<{ ord: number | string; id: string; title: string; snippet: string; tags: string[]; rank: number }>(
          SQL.searchDocuments,
          [tenant, keys.map((k) => k.query), keys.map((k) => k.limit)],
        );
        return groupByOrdinal(keys.length, rows, (r): DocumentHit => ({
          id: r.id,
          title: r.title,
          snippet: r.snippet,
          tags: r.tags,
          rank: Number(r.rank),
        }));
      },
    });
  }

  // A key PostgreSQL cannot hold fails in its own slot; the rest of the batch is still one statement.
  protected override register<K, V>(ref: OperationRef<K, V>, operation: ProviderOperation<K, V>): void {
    super.register(ref, withStorableKeys(operation));
  }

  protected toEngramError(error: unknown, operation: string): EngramError {
    return toPostgresEngramError(error, { provider: this.name, operation });
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      await this.#query('select 1', []);
      return { provider: this.name, ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      return { provider: this.name, ok: false, latencyMs: performance.now() - started, detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
