import { type ZepClient, ZepError } from '@getzep/zep-cloud';
import DataLoader from 'dataloader';
import type pg from 'pg';
import { BENCH_TENANT, BENCH_ZEP_TUNING, PEER_SQL } from './peer-sql.js';
import type { FactRow } from '../../src/providers/postgres/index.js';
import { namespacedZepId } from '../../src/providers/zep/index.js';

export interface UserProfile {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly displayName: string;
  readonly locale: string | null;
  readonly timezone: string | null;
  readonly plan: string | null;
  readonly bio: string | null;
  readonly createdAt: string;
}

/** The fact shape Engram's Postgres provider returns, so peers answer identical JSON. */
export type Fact = FactRow;

export interface ThreadContext {
  readonly threadId: string;
  readonly context: string;
}

export interface UserFactsKey {
  readonly userId: string;
  readonly limit: number;
}

/** What a peer counts, so the harness can report statements and Zep calls per request. */
export interface PeerCounters {
  requests: number;
  sqlStatements: number;
  zepCalls: number;
}

export interface PeerBackends {
  readonly pool: pg.Pool;
  readonly zep: ZepClient;
  readonly counters: PeerCounters;
}

/** One request's loaders: created in each server's context factory, never shared. */
export interface PeerLoaders {
  readonly userProfile: DataLoader<string, UserProfile | null>;
  readonly userFacts: DataLoader<UserFactsKey, Fact[], string>;
  readonly threadContext: DataLoader<string, ThreadContext | null>;
}

interface ProfileSqlRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  created_at: Date;
  locale: string | null;
  timezone: string | null;
  plan: string | null;
  bio: string | null;
}

interface FactSqlRow {
  ord: string | number;
  id: string;
  name: string;
  fact: string;
  source_node: string;
  target_node: string;
  valid_at: Date | null;
  invalid_at: Date | null;
  created_at: Date;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** Runs `fn` over `items`, at most `limit` at a time, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function createPeerLoaders({ pool, zep, counters }: PeerBackends): PeerLoaders {
  return {
    userProfile: new DataLoader<string, UserProfile | null>(async (ids) => {
      counters.sqlStatements += 1;
      const { rows } = await pool.query<ProfileSqlRow>(PEER_SQL.userProfile, [BENCH_TENANT, ids]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => {
        const r = byId.get(id);
        if (!r) return null;
        return {
          id: r.id,
          email: r.email,
          firstName: r.first_name,
          lastName: r.last_name,
          displayName: `${r.first_name} ${r.last_name}`,
          locale: r.locale,
          timezone: r.timezone,
          plan: r.plan,
          bio: r.bio,
          createdAt: r.created_at.toISOString(),
        };
      });
    }),

    userFacts: new DataLoader<UserFactsKey, Fact[], string>(
      async (keys) => {
        counters.sqlStatements += 1;
        const { rows } = await pool.query<FactSqlRow>(PEER_SQL.userFacts, [BENCH_TENANT, keys.map((k) => k.userId), keys.map((k) => k.limit)]);
        const groups = keys.map((): Fact[] => []);
        for (const r of rows) {
          groups[Number(r.ord) - 1]?.push({
            id: r.id,
            name: r.name,
            fact: r.fact,
            sourceNode: r.source_node,
            targetNode: r.target_node,
            validAt: iso(r.valid_at),
            invalidAt: iso(r.invalid_at),
            createdAt: r.created_at.toISOString(),
          });
        }
        return groups;
      },
      { cacheKeyFn: (k) => `${k.userId}\u0000${k.limit}` },
    ),

    // Zep has no batch read: one SDK call per distinct key (DataLoader de-duplicates), capped.
    threadContext: new DataLoader<string, ThreadContext | null>((threadIds) =>
      mapLimit(threadIds, BENCH_ZEP_TUNING.concurrency, async (threadId): Promise<ThreadContext | null | Error> => {
        counters.zepCalls += 1;
        try {
          const response = await zep.thread.getUserContext(namespacedZepId(BENCH_TENANT, threadId), {}, {
            timeoutInSeconds: BENCH_ZEP_TUNING.timeoutMs / 1000,
            maxRetries: BENCH_ZEP_TUNING.maxRetries,
          });
          return { threadId, context: response.context ?? '' };
        } catch (error) {
          if (error instanceof ZepError && error.statusCode === 404) return null;
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    ),
  };
}
