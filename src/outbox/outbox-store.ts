import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { EngramDatabase } from '../providers/postgres/index.js';

/** One claimed outbox entry, leased to this worker until `leaseUntil`. */
export interface OutboxEntry {
  readonly tenant: string;
  readonly id: string;
  readonly stream: string;
  readonly kind: 'messages' | 'facts';
  readonly targetId: string;
  readonly payload: unknown;
  /** Claims so far, this one included: above 1, an earlier claim may have reached Zep. */
  readonly attempts: number;
  readonly leaseToken: string;
}

/** The outbox as `outboxStatus` and `/metrics` report it. */
export interface OutboxStatus {
  /** Entries not delivered yet. */
  readonly pending: number;
  /** Age of the oldest entry not delivered yet, in seconds (0 when none). */
  readonly oldestPendingAgeSeconds: number;
  /** Entries whose last attempt failed and that wait for their next one. */
  readonly retrying: number;
  readonly delivered: number;
}

/**
 * The outbox's statements. Claims are safe for several instances on one database: only the head
 * (lowest id not delivered) of each stream can be claimed, rows are locked with
 * `FOR UPDATE SKIP LOCKED`, and a claim is a lease, so a crashed worker's entries are claimed again
 * once the lease runs out. The claim spans tenants (the worker serves every tenant); every statement
 * about one entry has its tenant as `$1`.
 */
export class OutboxStore {
  readonly #db: EngramDatabase;

  constructor(db: EngramDatabase) {
    this.#db = db;
  }

  /**
   * Leases up to `limit` streams whose head is due: of each, the head and the entries after it
   * (up to `run` in all), so that a thread's pending messages go to Zep together. Returned in id
   * order; the entries of one stream are consecutive in it.
   */
  async claim(limit: number, leaseMs: number, run = 1): Promise<OutboxEntry[]> {
    const token = randomUUID();
    const { rows } = await sql<{ tenant_id: string; id: string; stream: string; kind: 'messages' | 'facts'; target_id: string; payload: unknown; attempts: number }>`
      with heads as (
        select distinct on (tenant_id, stream) tenant_id, id
        from outbox where delivered_at is null
        order by tenant_id, stream, id
      ), ready as (
        select o.tenant_id, o.stream, o.id from outbox o
        join heads h on h.tenant_id = o.tenant_id and h.id = o.id
        where o.delivered_at is null and (o.lease_until is null or o.lease_until < now()) and o.next_attempt_at <= now()
        order by o.id
        limit ${limit}
        for update of o skip locked
      ), runs as (
        -- Only a stream's head can be claimed, and it is locked here: the entries after it are ours too.
        select f.tenant_id, f.id from ready r
        cross join lateral (
          select n.tenant_id, n.id from outbox n
          where n.tenant_id = r.tenant_id and n.stream = r.stream and n.id >= r.id and n.delivered_at is null
          order by n.id
          limit ${run}
        ) f
      )
      update outbox o set attempts = o.attempts + 1, lease_until = now() + ${leaseMs} * interval '1 millisecond', lease_token = ${token}
      from runs where o.tenant_id = runs.tenant_id and o.id = runs.id
      returning o.tenant_id, o.id::text as id, o.stream, o.kind, o.target_id, o.payload, o.attempts`.execute(this.#db);
    return rows
      .map((r) => ({ tenant: r.tenant_id, id: r.id, stream: r.stream, kind: r.kind, targetId: r.target_id, payload: r.payload, attempts: r.attempts, leaseToken: token }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Marks delivered entries of one tenant; how many were still ours to mark (a lost lease marks none). */
  async markDelivered(entries: readonly OutboxEntry[]): Promise<number> {
    const [first] = entries;
    if (!first) return 0;
    const result = await sql`
      update outbox set delivered_at = now(), lease_until = null, lease_token = null, last_error = null
      where tenant_id = ${first.tenant} and id = any(${entries.map((e) => e.id)}::bigint[]) and lease_token = ${first.leaseToken} and delivered_at is null`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Gives entries of one tenant back, due again after `retryInMs`. */
  async release(entries: readonly OutboxEntry[], error: string, retryInMs: number): Promise<void> {
    const [first] = entries;
    if (!first) return;
    await sql`
      update outbox set lease_until = null, lease_token = null, last_error = ${error.slice(0, 500)},
        next_attempt_at = now() + ${retryInMs} * interval '1 millisecond'
      where tenant_id = ${first.tenant} and id = any(${entries.map((e) => e.id)}::bigint[]) and lease_token = ${first.leaseToken}`.execute(this.#db);
  }

  /** The user a thread belongs to. */
  async threadOwner(tenant: string, threadId: string): Promise<string> {
    const { rows } = await sql<{ user_id: string }>`select user_id from threads where tenant_id = ${tenant} and id = ${threadId}`.execute(this.#db);
    const owner = rows[0]?.user_id;
    if (owner === undefined) throw new Error(`thread "${threadId}" of tenant "${tenant}" no longer exists`);
    return owner;
  }

  /** Counts over every tenant (an operator's view), or over `tenant` only. */
  async status(tenant?: string): Promise<OutboxStatus> {
    const { rows } = await sql<{ pending: string; retrying: string; delivered: string; oldest: number | null }>`
      select count(*) filter (where delivered_at is null) as pending,
        count(*) filter (where delivered_at is null and last_error is not null) as retrying,
        count(*) filter (where delivered_at is not null) as delivered,
        extract(epoch from now() - min(created_at) filter (where delivered_at is null))::float8 as oldest
      from outbox where (${tenant ?? null}::text is null or tenant_id = ${tenant ?? null})`.execute(this.#db);
    const r = rows[0];
    return {
      pending: Number(r?.pending ?? 0),
      retrying: Number(r?.retrying ?? 0),
      delivered: Number(r?.delivered ?? 0),
      oldestPendingAgeSeconds: Math.max(0, Number(r?.oldest ?? 0)),
    };
  }
}
