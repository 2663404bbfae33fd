import type { MemoryWrites, OutboxReport, WriteReceipt } from '../writes/index.js';
import type { GraphQLContext } from './graphql-context.js';

interface BuilderTypes {
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: string; Output: string | Date };
  };
}

/** The schema builder `compileSchema` uses. */
export type Builder = PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<BuilderTypes>>;
export type { BuilderTypes };

/** GraphQL leaves explicit `null` for an optional input field; the zod schemas expect it absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/**
 * `Mutation.appendMessages` and `Mutation.addFacts` (validated by the write path's zod schemas,
 * so GraphQL and REST refuse the same input with the same words) and `Query.outboxStatus`.
 */
export function addWriteFields(builder: Builder, writes: MemoryWrites): void {
  const Role = builder.enumType('MessageInputRole', { values: ['user', 'assistant', 'system', 'tool'] as const });
  const MessageInput = builder.inputType('MessageInput', {
    description: 'A message to record: 1–4096 characters of content.',
    fields: (t) => ({
      role: t.field({ type: Role, required: true }),
      content: t.string({ required: true }),
      name: t.string({ required: false, description: 'Who sent it (e.g. the user\'s name).' }),
    }),
  });
  const FactInput = builder.inputType('FactInput', {
    description: 'A fact to record about a user, as a triple: source —name→ target.',
    fields: (t) => ({
      fact: t.string({ required: true, description: 'The fact in plain language.' }),
      name: t.string({ required: true, description: 'Relation name in upper case, e.g. PREFERS.' }),
      sourceNode: t.string({ required: true }),
      targetNode: t.string({ required: true }),
    }),
  });
  const Delivery = builder.enumType('Delivery', {
    description: '`PENDING`: committed in PostgreSQL, not yet delivered to Zep by the outbox.',
    values: ['PENDING', 'DELIVERED'] as const,
  });
  const Receipt = builder.objectRef<WriteReceipt>('WriteReceipt').implement({
    description: 'The answer of a write, given once PostgreSQL has committed it.',
    fields: (t) => ({
      ids: t.idList({ description: 'Ids of the written records, in the order sent.', resolve: (r) => [...r.ids] }),
      delivery: t.field({ type: Delivery, resolve: (r) => r.delivery }),
      replayed: t.boolean({ description: 'True when this is the stored answer of an earlier request with the same idempotency key.', resolve: (r) => r.replayed }),
    }),
  });
  const idempotencyKey = (t: { string: (o: { required: false; description: string }) => unknown }) =>
    t.string({ required: false, description: 'Retries with the same key (same caller) get the first answer and write nothing twice.' });

  builder.mutationType({ description: 'Memory writes: committed to PostgreSQL, then delivered to Zep by the outbox.' });
  builder.mutationField('appendMessages', (t) =>
    t.field({
      type: Receipt,
      nullable: true,
      description: 'Appends messages to a thread (yours, or any of your tenant with `memory:write:any`). Requires `memory:write`.',
      args: {
        threadId: t.arg.id({ required: true }),
        messages: t.arg({ type: [MessageInput], required: true }),
        idempotencyKey: idempotencyKey(t.arg) as never,
      },
      resolve: (_root, args, ctx) => writes.appendMessages(ctx.session.principal, withoutNulls(args)),
    }),
  );
  builder.mutationField('addFacts', (t) =>
    t.field({
      type: Receipt,
      nullable: true,
      description: 'Records facts about a user (yourself, or any of your tenant with `memory:write:any`). Requires `memory:write`.',
      args: {
        userId: t.arg.id({ required: true }),
        facts: t.arg({ type: [FactInput], required: true }),
        idempotencyKey: idempotencyKey(t.arg) as never,
      },
      resolve: (_root, args, ctx) => writes.addFacts(ctx.session.principal, withoutNulls(args)),
    }),
  );

  const WorkerStats = builder.objectRef<NonNullable<OutboxReport['worker']>>('OutboxWorkerStats').implement({
    fields: (t) => ({
      delivered: t.int({ resolve: (w) => w.delivered }),
      failures: t.int({ resolve: (w) => w.failures }),
      breaker: t.string({ resolve: (w) => w.breaker }),
    }),
  });
  const Status = builder.objectRef<OutboxReport>('OutboxStatus').implement({
    description: 'Writes of your tenant not yet delivered to Zep, and this instance\'s worker.',
    fields: (t) => ({
      pending: t.int({ resolve: (s) => s.pending }),
      retrying: t.int({ resolve: (s) => s.retrying }),
      delivered: t.int({ resolve: (s) => s.delivered }),
      oldestPendingAgeSeconds: t.float({ resolve: (s) => s.oldestPendingAgeSeconds }),
      worker: t.field({ type: WorkerStats, nullable: true, resolve: (s) => s.worker }),
    }),
  });
  builder.queryField('outboxStatus', (t) =>
    t.field({
      type: Status,
      nullable: true,
      description: 'The write outbox: depth, oldest pending age, retries. Requires the scope `engram:admin`.',
      resolve: (_root, _args, ctx) => writes.outboxStatus(ctx.session.principal),
    }),
  );
}
