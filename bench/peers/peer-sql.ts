/**
 * The statements Engram's Postgres provider sends (see `src/providers/postgres/postgres-provider.ts`),
 * as plain text for the peers. `checkSqlParity` compares them with what Engram really sends at the
 * start of every bench run.
 */
export const PEER_SQL = {
  /** $1: user ids. One statement for a whole batch. */
  userProfile:
    'select "u"."id", "u"."email", "u"."first_name", "u"."last_name", "u"."created_at", "p"."locale", "p"."timezone", "p"."plan", "p"."bio", "p"."preferences" ' +
    'from "users" as "u" left join "profiles" as "p" on "p"."user_id" = "u"."id" where u.id = any($1::text[])',
  /** $1: user ids, $2: limits (one per key). One statement for a whole batch. */
  userFacts: `
    select k.ord, f.id, f.name, f.fact, f.source_node, f.target_node, f.valid_at, f.invalid_at, f.created_at
    from unnest($1::text[], $2::int[]) with ordinality as k(user_id, lim, ord)
    cross join lateral (
      select * from facts
      where facts.user_id = k.user_id and facts.invalid_at is null
      order by facts.created_at desc, facts.id
      limit k.lim
    ) f
    order by k.ord, f.created_at desc, f.id`,
} as const;

/** Pool size of every server's pg pool (Engram's `DATABASE_POOL_SIZE` default) and of the ceiling loop. */
export const BENCH_POOL_SIZE = 10;

/** Zep call budget of Engram and the peers alike (Engram's config defaults). */
export const BENCH_ZEP_TUNING = { timeoutMs: 1500, maxRetries: 0, concurrency: 16 } as const;
