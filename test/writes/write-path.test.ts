import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, Scopes } from '../../src/auth/index.js';
import { OutboxStore, OutboxWorker, ZepDelivery } from '../../src/outbox/index.js';
import { MemoryContextCache } from '../../src/store/index.js';
import { bearer } from '../support/test-credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let zep: TestZep;
let server: TestServer;
const keys: Record<string, string> = {};

const FAST_WORKER = { pollIntervalMs: 20, backoff: { initialMs: 20, maxMs: 100 }, leaseMs: 5000, policy: { timeoutMs: 2000, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1_000_000 } } };

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep({ timeoutMs: 1000, maxRetries: 0 })]);
  const store = new ApiKeyStore(database.db, { cacheTtlMs: 0 });
  const make = async (name: string, tenant: string, subject: string, scopes: string[]) => {
    keys[name] = (await store.create({ tenant, subject, scopes, name })).key;
  };
  await make('acmeU1', 'acme', 'u1', [Scopes.read, Scopes.write]);
  await make('acmeU1ReadOnly', 'acme', 'u1', [Scopes.read]);
  await make('acmeAgent', 'acme', 'agent', [Scopes.readAny, Scopes.writeAny, Scopes.admin]);
  await make('globexAgent', 'globex', 'agent', [Scopes.readAny, Scopes.writeAny]);
  await sql`insert into threads (tenant_id, id, user_id, created_at) values ('acme', 'acme-only', 'u2', now())`.execute(database.db);
  server = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, auth: { mode: 'required', apiKeys: store }, outboxWorker: FAST_WORKER });
});

afterEach(() => zep.emulator.faults.reset());

afterAll(async () => {
  await server?.close();
  await zep?.close();
  await database?.close();
});

const APPEND = 'mutation($threadId: ID!, $messages: [MessageInput!]!, $key: String) { appendMessages(threadId: $threadId, messages: $messages, idempotencyKey: $key) { ids delivery replayed } }';

async function gql(key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...bearer(keys[key] as string) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

async function emulatorThread(zepId: string): Promise<Array<{ role: string; content: string }>> {
  const response = await fetch(`${zep.emulator.url}/_emulator/threads`);
  const { threads } = (await response.json()) as { threads: Array<{ id: string; messages: Array<{ role: string; content: string }> }> };
  return threads.find((t) => t.id === zepId)?.messages.map((m) => ({ role: m.role, content: m.content })) ?? [];
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const countRows = async (content: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from messages where content = ${content}`.execute(database.db)).rows[0]?.n);

describe('appendMessages', () => {
  it('commits to Postgres, answers PENDING, is read back at once, and is delivered to Zep once', async () => {
    const { body } = await gql('acmeU1', APPEND, { threadId: 't1', messages: [{ role: 'user', content: 'write-path one' }, { role: 'assistant', content: 'write-path two' }] });
    expect(body.errors).toBeUndefined();
    const receipt = body.data?.['appendMessages'] as { ids: string[]; delivery: string; replayed: boolean };
    expect(receipt.delivery).toBe('PENDING');
    expect(receipt.replayed).toBe(false);
    expect(receipt.ids).toHaveLength(2);
    const read = await gql('acmeU1', '{ threadMessages(threadId: "t1", lastN: 2) { id content } }');
    expect(read.body.data?.['threadMessages']).toEqual([{ id: receipt.ids[0], content: 'write-path one' }, { id: receipt.ids[1], content: 'write-path two' }]);
    const held = await until(() => emulatorThread('acme:t1'), (m) => m.some((x) => x.content === 'write-path two'), 'delivery');
    expect(held.filter((m) => m.content.startsWith('write-path'))).toEqual([{ role: 'user', content: 'write-path one' }, { role: 'assistant', content: 'write-path two' }]);
  });

  it('writes once for the same request sent 3 times concurrently with one idempotency key, and refuses the key for another body', async () => {
    const variables = { threadId: 't1', messages: [{ role: 'user', content: 'idempotent hello' }], key: 'k-1' };
    const answers = await Promise.all([1, 2, 3].map(() => gql('acmeU1', APPEND, variables)));
    const receipts = answers.map((a) => a.body.data?.['appendMessages'] as { ids: string[]; replayed: boolean });
    expect(new Set(receipts.map((r) => r.ids.join()))).toEqual(new Set([receipts[0]?.ids.join()]));
    expect(receipts.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await countRows('idempotent hello')).toBe(1);
    const outbox = await sql<{ n: string }>`select count(*) as n from outbox where payload::text like '%idempotent hello%'`.execute(database.db);
    expect(Number(outbox.rows[0]?.n)).toBe(1);

    const reused = await gql('acmeU1', APPEND, { ...variables, messages: [{ role: 'user', content: 'something else' }] });
    expect(reused.body.errors?.[0]?.message).toBe('The idempotency key "k-1" was first used for a different appendMessages request; send a new key for a new request.');
    expect(reused.body.errors?.[0]?.extensions?.['code']).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countRows('something else')).toBe(0);
  });

  it('keeps tenants apart: globex cannot append to an acme thread, even with the same thread id', async () => {
    const foreign = await gql('globexAgent', APPEND, { threadId: 'acme-only', messages: [{ role: 'user', content: 'from globex' }] });
    expect(foreign.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(foreign.body.errors?.[0]?.message).toBe('No thread "acme-only" exists in your tenant.');
    const sameId = await gql('globexAgent', APPEND, { threadId: 't1', messages: [{ role: 'user', content: 'globex t1 line' }] });
    expect(sameId.body.errors).toBeUndefined();
    const rows = await sql<{ tenant_id: string }>`select tenant_id from messages where content in ('from globex', 'globex t1 line')`.execute(database.db);
    expect(rows.rows).toEqual([{ tenant_id: 'globex' }]);
    await until(() => emulatorThread('globex:t1'), (m) => m.some((x) => x.content === 'globex t1 line'), 'globex delivery');
    expect((await emulatorThread('acme:t1')).some((m) => m.content === 'globex t1 line')).toBe(false);
  });

  it('applies scopes and owner rules, and validates input with exact reasons', async () => {
    const readOnly = await gql('acmeU1ReadOnly', APPEND, { threadId: 't1', messages: [{ role: 'user', content: 'x' }] });
    expect(readOnly.body.errors?.[0]?.message).toBe('"appendMessages" requires the scope "memory:write".');
    const notOwner = await gql('acmeU1', APPEND, { threadId: 'acme-only', messages: [{ role: 'user', content: 'x' }] });
    expect(notOwner.body.errors?.[0]?.message).toBe('"appendMessages" can write only to your own threads, or with the scope "memory:write:any".');
    const empty = await gql('acmeU1', APPEND, { threadId: 't1', messages: [] });
    expect(empty.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(empty.body.errors?.[0]?.message).toBe('Invalid arguments for "appendMessages": messages: Too small: expected array to have >=1 items.');
    const rest = await fetch(`${server.url}/api/v1/threads/t1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys['acmeU1'] as string) },
      body: JSON.stringify({ messages: [{ role: 'robot', content: 'x' }] }),
    });
    expect(rest.status).toBe(400);
    expect(((await rest.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
    // Found by the fuzzer: a lone surrogate, sent as a JSON escape, which jsonb cannot hold (was a 500).
    const surrogate = await fetch(`${server.url}/api/v1/users/u1/facts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys['acmeU1'] as string) },
      body: '{"facts":[{"fact":"f","name":"X","sourceNode":"a","targetNode":"\\udfff\\ud800"}]}',
    });
    expect(surrogate.status).toBe(400);
    expect(((await surrogate.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid arguments for "addFacts": facts.0.targetNode: must be well-formed Unicode text without NUL (U+0000).',
    );
  });

  it('accepts writes while Zep is down (readyz degraded) and delivers them once after it is back', async () => {
    zep.emulator.faults.set({ outage: true });
    const rest = await fetch(`${server.url}/api/v1/threads/t2/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'outage-1', ...bearer(keys['acmeAgent'] as string) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'during outage' }] }),
    });
    expect(rest.status).toBe(201);
    const ready = await until(async () => (await (await fetch(`${server.url}/readyz`)).json()) as { status: string }, (r) => r.status === 'degraded', 'degraded');
    expect(ready.status).toBe('degraded');
    const status = await until(() => gql('acmeAgent', '{ outboxStatus { pending retrying } }'), (r) => ((r.body.data?.['outboxStatus'] as { retrying: number } | undefined)?.retrying ?? 0) > 0, 'a failed attempt');
    expect(status.body.data?.['outboxStatus']).toMatchObject({ pending: expect.any(Number) });
    expect((status.body.data?.['outboxStatus'] as { pending: number } | undefined)?.pending ?? 0).toBeGreaterThan(0);
    zep.emulator.faults.reset();
    const held = await until(() => emulatorThread('acme:t2'), (m) => m.some((x) => x.content === 'during outage'), 'delivery after the outage');
    expect(held.filter((m) => m.content === 'during outage')).toHaveLength(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^engram_outbox_pending \d+$/m);
    expect(metrics).toMatch(/^engram_outbox_failures_total [1-9]\d*$/m);
  });

  it('lets two workers on one database deliver each entry exactly once', async () => {
    const store = new OutboxStore(database.db);
    const delivery = () => new ZepDelivery({ client: zep.options.client, timeoutMs: 1000, threadOwner: (t, id) => store.threadOwner(t, id) });
    const second = [new OutboxWorker(store, delivery(), FAST_WORKER), new OutboxWorker(store, delivery(), FAST_WORKER)];
    for (const w of second) w.start();
    const contents = Array.from({ length: 12 }, (_, i) => `two-workers ${i}`);
    for (let i = 0; i < contents.length; i += 3) {
      await Promise.all(['t3', 't4', 't3-b'].map((thread, j) => gql('acmeAgent', APPEND, { threadId: thread, messages: [{ role: 'user', content: contents[i + j] }] })));
    }
    const all = async () => (await Promise.all(['acme:t3', 'acme:t4', 'acme:t3-b'].map(emulatorThread))).flat().filter((m) => m.content.startsWith('two-workers'));
    const held = await until(all, (m) => m.length >= 12, 'all deliveries');
    await Promise.all(second.map((w) => w.stop()));
    expect(held.map((m) => m.content).sort()).toEqual([...contents].sort());
    const t3 = (await emulatorThread('acme:t3')).filter((m) => m.content.startsWith('two-workers')).map((m) => m.content);
    expect(t3).toEqual(contents.filter((_, i) => i % 3 === 0));
  });
});

describe('addFacts', () => {
  it('records facts over REST and GraphQL, answers a retry with the first answer, and delivers each fact to Zep once', async () => {
    const send = () =>
      fetch(`${server.url}/api/v1/users/u1/facts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'fact-1', ...bearer(keys['acmeU1'] as string) },
        body: JSON.stringify({ facts: [{ fact: 'Ada prefers rooibos in the afternoon.', name: 'PREFERS', sourceNode: 'Ada', targetNode: 'rooibos' }] }),
      });
    const first = await send();
    expect(first.status).toBe(201);
    const again = await send();
    expect(again.status).toBe(200);
    const [a, b] = [(await first.json()) as { data: { ids: string[] } }, (await again.json()) as { data: { ids: string[]; replayed: boolean } }];
    expect(b.data).toEqual({ ids: a.data.ids, delivery: 'PENDING', replayed: true });
    const rows = await sql<{ tenant_id: string; user_id: string }>`select tenant_id, user_id from facts where fact = 'Ada prefers rooibos in the afternoon.'`.execute(database.db);
    expect(rows.rows).toEqual([{ tenant_id: 'acme', user_id: 'u1' }]);
    const other = await gql('acmeU1', 'mutation { addFacts(userId: "u2", facts: [{ fact: "x", name: "KNOWS", sourceNode: "a", targetNode: "b" }]) { ids } }');
    expect(other.body.errors?.[0]?.message).toBe('"addFacts" can write only to your own users, or with the scope "memory:write:any".');
    const badName = await gql('acmeU1', 'mutation { addFacts(userId: "u1", facts: [{ fact: "x", name: "knows", sourceNode: "a", targetNode: "b" }]) { ids } }');
    expect(badName.body.errors?.[0]?.message).toBe('Invalid arguments for "addFacts": facts.0.name: must be an upper-case relation name such as PREFERS (letters, digits, "_"; at most 64).');

    const inZep = () => zep.options.client.graph.search({ userId: 'acme:u1', query: 'rooibos afternoon', scope: 'edges', limit: 50 }).then((r) => (r.edges ?? []).filter((e) => e.fact === 'Ada prefers rooibos in the afternoon.'));
    const edges = await until(inZep, (e) => e.length > 0, 'the fact in Zep');
    expect(edges.map((e) => e.name)).toEqual(['PREFERS']);
  });
});

describe('delivery after a crash between Zep\'s answer and "delivered"', () => {
  it('asks Zep what it holds before sending again, so the message is not duplicated', async () => {
    await server.engram.outboxWorker?.stop();
    try {
      const { body } = await gql('acmeAgent', APPEND, { threadId: 't5', messages: [{ role: 'user', content: 'sent once, never marked' }] });
      expect(body.errors).toBeUndefined();
      const store = new OutboxStore(database.db);
      const delivery = new ZepDelivery({ client: zep.options.client, timeoutMs: 1000, threadOwner: (t, id) => store.threadOwner(t, id) });
      // The first worker delivers and "crashes" before marking: its 1 ms lease runs out.
      const [claimed] = await store.claim(1, 1);
      expect(claimed?.attempts).toBe(1);
      await delivery.deliver([claimed as NonNullable<typeof claimed>], false, AbortSignal.timeout(5000));
      expect((await emulatorThread('acme:t5')).filter((m) => m.content === 'sent once, never marked')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 20));
      const next = new OutboxWorker(store, delivery, FAST_WORKER);
      expect(await next.runOnce()).toEqual({ delivered: 1, failed: 0, outage: false });
      expect((await emulatorThread('acme:t5')).filter((m) => m.content === 'sent once, never marked')).toHaveLength(1);
      const left = await sql<{ attempts: number; delivered: boolean }>`select attempts, delivered_at is not null as delivered from outbox where payload::text like '%sent once, never marked%'`.execute(database.db);
      expect(left.rows).toEqual([{ attempts: 2, delivered: true }]);
    } finally {
      server.engram.outboxWorker?.start();
    }
  });
});

describe('delivery in batches', () => {
  it('sends a thread\'s pending entries in one Zep call (up to 30 messages), in order', async () => {
    await server.engram.outboxWorker?.stop();
    try {
      for (let i = 0; i < 5; i++) {
        const { body } = await gql('acmeAgent', APPEND, { threadId: 't8', messages: [{ role: 'user', content: `batched ${i}a` }, { role: 'assistant', content: `batched ${i}b` }] });
        expect(body.errors).toBeUndefined();
      }
      const store = new OutboxStore(database.db);
      const worker = new OutboxWorker(store, new ZepDelivery({ client: zep.options.client, timeoutMs: 2000, threadOwner: (t, id) => store.threadOwner(t, id) }), FAST_WORKER);
      zep.emulator.resetStats();
      expect(await worker.runOnce()).toEqual({ delivered: 5, failed: 0, outage: false });
      expect(zep.emulator.stats().byRoute).toEqual({ 'POST /threads/:threadId/messages': 1 });
      expect((await emulatorThread('acme:t8')).map((m) => m.content).filter((c) => c.startsWith('batched'))).toEqual(
        Array.from({ length: 5 }, (_, i) => [`batched ${i}a`, `batched ${i}b`]).flat(),
      );
    } finally {
      server.engram.outboxWorker?.start();
    }
  });
});

describe('a lease that runs out mid-round', () => {
  it('stops sending the stream once a mark finds the lease gone; the next claim sends only what Zep lacks', async () => {
    await server.engram.outboxWorker?.stop();
    const store = new OutboxStore(database.db);
    const delivery = () => new ZepDelivery({ client: zep.options.client, timeoutMs: 2000, threadOwner: (t, id) => store.threadOwner(t, id) });
    try {
      // Two entries that take two Zep calls: 30 messages (Zep's cap per call), then 1.
      const first = Array.from({ length: 30 }, (_, i) => ({ role: 'user', content: `lease ${i}` }));
      expect((await gql('acmeAgent', APPEND, { threadId: 't6', messages: first })).body.errors).toBeUndefined();
      expect((await gql('acmeAgent', APPEND, { threadId: 't6', messages: [{ role: 'user', content: 'lease 30' }] })).body.errors).toBeUndefined();
      // Zep answers slowly; meanwhile the lease runs out and another worker claims the stream.
      zep.emulator.faults.set({ latencyMs: 1500 });
      zep.emulator.resetStats();
      const slow = new OutboxWorker(store, delivery(), { ...FAST_WORKER, leaseMs: 150 });
      const round = slow.runOnce();
      await until(async () => (await sql<{ n: number }>`select count(*)::int as n from outbox where payload::text like '%lease 30%' and attempts > 0 and lease_until < now()`.execute(database.db)).rows[0]?.n ?? 0, (n) => n > 0, 'the lease to run out');
      expect((await store.claim(32, 1, 30)).map((e) => e.stream)).toContain('thread:t6');
      // The first mark finds the entries no longer its own: the run stops there.
      expect(await round).toEqual({ delivered: 0, failed: 1, outage: true });
      expect(zep.emulator.stats().byRoute).toEqual({ 'POST /threads/:threadId/messages': 1 });
      zep.emulator.faults.reset();
      await sql`update outbox set next_attempt_at = now(), lease_until = null where delivered_at is null`.execute(database.db);
      await new OutboxWorker(store, delivery(), FAST_WORKER).runOnce();
      const contents = (await emulatorThread('acme:t6')).map((m) => m.content).filter((c) => c.startsWith('lease '));
      expect(contents).toEqual(Array.from({ length: 31 }, (_, i) => `lease ${i}`));
    } finally {
      zep.emulator.faults.reset();
      server.engram.outboxWorker?.start();
    }
  });
});

describe('stopping a worker', () => {
  it('lets the round in flight finish and mark what it delivered (nothing is left to be sent again)', async () => {
    await server.engram.outboxWorker?.stop();
    const store = new OutboxStore(database.db);
    const worker = new OutboxWorker(store, new ZepDelivery({ client: zep.options.client, timeoutMs: 2000, threadOwner: (t, id) => store.threadOwner(t, id) }), FAST_WORKER);
    try {
      const { body } = await gql('acmeAgent', APPEND, { threadId: 't7', messages: [{ role: 'user', content: 'in flight at stop' }] });
      expect(body.errors).toBeUndefined();
      zep.emulator.faults.set({ latencyMs: 300 });
      worker.start();
      await until(async () => (await sql<{ attempts: number }>`select attempts from outbox where payload::text like '%in flight at stop%'`.execute(database.db)).rows[0]?.attempts ?? 0, (n) => n > 0, 'the claim');
      await worker.stop();
      const row = await sql<{ delivered: boolean; attempts: number }>`select delivered_at is not null as delivered, attempts from outbox where payload::text like '%in flight at stop%'`.execute(database.db);
      expect(row.rows).toEqual([{ delivered: true, attempts: 1 }]);
      expect(worker.stats()).toMatchObject({ delivered: 1, failures: 0 });
      expect((await emulatorThread('acme:t7')).filter((m) => m.content === 'in flight at stop')).toHaveLength(1);
    } finally {
      zep.emulator.faults.reset();
      server.engram.outboxWorker?.start();
    }
  });
});

describe('cache invalidation on write', () => {
  it('drops the cached threadContext of the thread written to, and the next read has the new message', async () => {
    const cached = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, cache: new MemoryContextCache() });
    // Nothing delivers meanwhile: the read after the write must come from Postgres, whatever the timing.
    await server.engram.outboxWorker?.stop();
    try {
      const read = async () => {
        const { body } = await cached.graphql('{ threadContext(threadId: "t6") { context } }');
        return { context: (body.data?.['threadContext'] as { context: string } | null)?.context ?? '', cached: (body.extensions?.['contexts'] as Record<string, { cached: boolean }> | undefined)?.['threadContext']?.cached };
      };
      await read();
      expect((await read()).cached).toBe(true);
      const { body } = await cached.graphql(APPEND, { threadId: 't6', messages: [{ role: 'user', content: 'invalidate me' }] });
      expect(body.errors).toBeUndefined();
      const after = await read();
      expect(after.cached).toBe(false);
      expect(after.context).toContain('user: invalidate me');
    } finally {
      server.engram.outboxWorker?.start();
      await cached.close();
    }
  });
});
