import { createHash, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { z } from 'zod';
import { hasScope, Scopes, type Principal } from '../auth/index.js';
import { BadUserInputError, EngramError, ForbiddenError, IdempotencyKeyReusedError, NotFoundError } from '../errors/index.js';
import type { OutboxFact, OutboxMessage } from '../outbox/index.js';
import { toPostgresEngramError, type Database, type EngramDatabase } from '../providers/postgres/index.js';
import { describeInvalidArguments, invalidArguments } from '../store/index.js';
import { AddFactsArgs, AppendMessagesArgs, type WriteReceipt } from './write-inputs.js';

/** What a committed write touched, for cache invalidation. */
export interface WriteTarget {
  readonly tenant: string;
  readonly threadId?: string;
  readonly userId: string;
}

export interface WriteOutcome {
  readonly receipt: WriteReceipt;
  readonly target: WriteTarget;
}

type Tx = Transaction<Database>;

function parse<T>(operation: string, schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const invalid = invalidArguments(parsed.error);
    throw new BadUserInputError(describeInvalidArguments(operation, invalid), invalid);
  }
  return parsed.data;
}

function requireWriteScope(operation: string, principal: Principal): void {
  if (!hasScope(principal, Scopes.write)) {
    throw new ForbiddenError(`"${operation}" requires the scope "${Scopes.write}".`, { requiredScope: Scopes.write });
  }
}

/** Owner rule of writes: your own records, or any record of your tenant with `memory:write:any`. */
function checkOwner(operation: string, kind: string, id: string, owner: string | undefined, principal: Principal): void {
  const any = principal.scopes.has(Scopes.writeAny);
  // Without `:any`, an unknown record is denied like someone else's: existence is not disclosed.
  if (owner === undefined && any) throw new NotFoundError(kind, id);
  if (owner === undefined || (owner !== principal.subject && !any)) {
    throw new ForbiddenError(`"${operation}" can write only to your own ${kind}s, or with the scope "${Scopes.writeAny}".`, { operation });
  }
}

const requestHash = (operation: string, body: unknown): string => createHash('sha256').update(JSON.stringify([operation, body])).digest('hex');

/**
 * Records memory in PostgreSQL, the system of record: one transaction writes the rows, an outbox
 * entry for Zep and, with an idempotency key, the answer, so a retried request gets the first
 * answer and writes nothing twice. Writes to one thread (or one user's facts) are serialized by a
 * row lock, so the order of commits is the order of outbox ids and of `created_at`.
 */
export class MemoryWriter {
  readonly #db: EngramDatabase;

  constructor(db: EngramDatabase) {
    this.#db = db;
  }

  async appendMessages(principal: Principal, rawArgs: unknown): Promise<WriteOutcome> {
    const operation = 'appendMessages';
    requireWriteScope(operation, principal);
    const args = parse(operation, AppendMessagesArgs, rawArgs);
    const { tenant } = principal;
    let userId = '';
    const receipt = await this.#write(principal, operation, args.idempotencyKey, { threadId: args.threadId, messages: args.messages }, async (tx) => {
      const owner = await sql<{ user_id: string }>`select user_id from threads where tenant_id = ${tenant} and id = ${args.threadId} for update`.execute(tx);
      userId = owner.rows[0]?.user_id ?? '';
      checkOwner(operation, 'thread', args.threadId, owner.rows[0]?.user_id, principal);
      const ids = args.messages.map(() => randomUUID());
      // clock_timestamp() after the lock: later commits of this thread get later times.
      const inserted = await sql<{ id: string; created_at: Date }>`
        insert into messages (tenant_id, id, thread_id, role, content, created_at)
        select ${tenant}, m.id, ${args.threadId}, m.role, m.content, clock_timestamp() + (m.ord * interval '1 microsecond')
        from unnest(${ids}::text[], ${args.messages.map((m) => m.role)}::text[], ${args.messages.map((m) => m.content)}::text[]) with ordinality as m(id, role, content, ord)
        returning id, created_at`.execute(tx);
      const createdAt = new Map(inserted.rows.map((r) => [r.id, new Date(r.created_at).toISOString()]));
      const payload: OutboxMessage[] = args.messages.map((m, i) => {
        const messageId = ids[i] as string;
        return { id: messageId, role: m.role, content: m.content, ...(m.name === undefined ? {} : { name: m.name }), createdAt: createdAt.get(messageId) as string };
      });
      await enqueue(tx, tenant, `thread:${args.threadId}`, 'messages', args.threadId, payload);
      return ids;
    });
    return { receipt, target: { tenant, threadId: args.threadId, userId } };
  }

  async addFacts(principal: Principal, rawArgs: unknown): Promise<WriteOutcome> {
    const operation = 'addFacts';
    requireWriteScope(operation, principal);
    const args = parse(operation, AddFactsArgs, rawArgs);
    const { tenant } = principal;
    const receipt = await this.#write(principal, operation, args.idempotencyKey, { userId: args.userId, facts: args.facts }, async (tx) => {
      const user = await sql<{ id: string }>`select id from users where tenant_id = ${tenant} and id = ${args.userId} for update`.execute(tx);
      checkOwner(operation, 'user', args.userId, user.rows[0]?.id, principal);
      const ids = args.facts.map(() => randomUUID());
      const inserted = await sql<{ id: string; created_at: Date }>`
        insert into facts (tenant_id, id, user_id, name, fact, source_node, target_node, created_at)
        select ${tenant}, f.id, ${args.userId}, f.name, f.fact, f.source_node, f.target_node, clock_timestamp() + (f.ord * interval '1 microsecond')
        from unnest(${ids}::text[], ${args.facts.map((f) => f.name)}::text[], ${args.facts.map((f) => f.fact)}::text[],
          ${args.facts.map((f) => f.sourceNode)}::text[], ${args.facts.map((f) => f.targetNode)}::text[]) with ordinality as f(id, name, fact, source_node, target_node, ord)
        returning id, created_at`.execute(tx);
      const createdAt = new Map(inserted.rows.map((r) => [r.id, new Date(r.created_at).toISOString()]));
      const payload: OutboxFact[] = args.facts.map((f, i) => ({ id: ids[i] as string, ...f, createdAt: createdAt.get(ids[i] as string) as string }));
      await enqueue(tx, tenant, `user:${args.userId}`, 'facts', args.userId, payload);
      return ids;
    });
    return { receipt, target: { tenant, userId: args.userId } };
  }

  /**
   * Runs `write` in a transaction. With a key, the key's row is inserted first: a concurrent
   * request with the same key waits on it, then finds the committed first answer (or, if the first
   * rolled back, writes itself).
   */
  async #write(principal: Principal, operation: string, key: string | undefined, body: unknown, write: (tx: Tx) => Promise<readonly string[]>): Promise<WriteReceipt> {
    const { tenant, subject } = principal;
    const hash = requestHash(operation, body);
    try {
      return await this.#transaction(tenant, subject, operation, key, hash, write);
    } catch (error) {
      // A typed refusal stays as it is; a database failure is "the system of record is unavailable", never a 500.
      if (error instanceof EngramError) throw error;
      throw toPostgresEngramError(error, { provider: 'postgres', operation });
    }
  }

  #transaction(tenant: string, subject: string, operation: string, key: string | undefined, hash: string, write: (tx: Tx) => Promise<readonly string[]>): Promise<WriteReceipt> {
    return this.#db.transaction().execute(async (tx) => {
      if (key !== undefined) {
        const claimed = await sql<{ key: string }>`
          insert into idempotency_keys (tenant_id, subject, key, operation, request_hash, response)
          values (${tenant}, ${subject}, ${key}, ${operation}, ${hash}, 'null'::jsonb)
          on conflict do nothing returning key`.execute(tx);
        if (claimed.rows.length === 0) {
          const first = await sql<{ operation: string; request_hash: string; response: WriteReceipt }>`
            select operation, request_hash, response from idempotency_keys where tenant_id = ${tenant} and subject = ${subject} and key = ${key}`.execute(tx);
          const row = first.rows[0];
          if (!row || row.operation !== operation || row.request_hash !== hash) throw new IdempotencyKeyReusedError(key, operation);
          return { ...row.response, replayed: true };
        }
      }
      const ids = await write(tx);
      const receipt: WriteReceipt = { ids, delivery: 'PENDING', replayed: false };
      if (key !== undefined) {
        await sql`update idempotency_keys set response = ${JSON.stringify(receipt)}::jsonb where tenant_id = ${tenant} and subject = ${subject} and key = ${key}`.execute(tx);
      }
      return receipt;
    });
  }
}

async function enqueue(tx: Tx, tenant: string, stream: string, kind: 'messages' | 'facts', targetId: string, payload: unknown): Promise<void> {
  await sql`insert into outbox (tenant_id, stream, kind, target_id, payload) values (${tenant}, ${stream}, ${kind}, ${targetId}, ${JSON.stringify(payload)}::jsonb)`.execute(tx);
}
