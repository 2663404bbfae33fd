import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContext, id } from '../../src/context/index.js';
import { demoContexts } from '../../src/demo/index.js';
import { defineProvider } from '../../src/index.js';
import { FixtureProvider } from '../support/fixture-provider.js';
import { fixtureContexts } from '../support/fixture-contexts.js';
import { useTestStack } from '../support/test-stack.js';

/** Loads of `hold` wait until their batch signal aborts: what a disconnected client must cause. */
const aborted: string[] = [];
const holding = defineProvider({
  name: 'holding',
  operations: {
    item: {
      load: async (keys: readonly string[], { signal }) => {
        if (!keys.includes('hold')) return keys.map((key) => ({ id: key }));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20_000);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted.push(keys.join(','));
            resolve();
          });
        });
        return keys.map(() => new Error('held'));
      },
    },
  },
});
const heldItem = defineContext({
  name: 'heldItem',
  description: 'An item whose `hold` key waits for its batch to be cancelled.',
  args: z.object({ itemId: id() }),
  output: z.object({ id: id() }).meta({ id: 'HeldItem' }).nullable(),
  access: 'public',
  sources: (from) => [from(holding.ops.item, { key: (a) => a.itemId })],
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const MANIFEST_DOCUMENT = 'query Profile($userId: ID!) { userProfile(userId: $userId) { id displayName } }';

const stack = useTestStack(() => ({
  providers: [new FixtureProvider(), holding],
  definitions: [...demoContexts, ...fixtureContexts, heldItem],
  persistedDocuments: { manifest: { [`sha256:${sha256(MANIFEST_DOCUMENT)}`]: MANIFEST_DOCUMENT } },
  // Only the client's disconnect may end a held batch within the test.
  policy: { timeoutMs: 60_000, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1_000_000 } },
  providerTimeoutMs: 60_000,
  requestDeadlineMs: 60_000,
}));

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | null>;
  readonly body: string;
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${stack.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const seen = ['content-type', 'access-control-allow-origin', 'access-control-allow-credentials', 'vary'];
  return { status: response.status, headers: Object.fromEntries(seen.map((h) => [h, response.headers.get(h)])), body: await response.text() };
}

/** Latencies differ between runs; everything else must be byte for byte the same. */
const normalized = (answer: Answer): Answer => ({ ...answer, body: answer.body.replace(/"latencyMs":[0-9.]+/g, '"latencyMs":0') });

function stats(): { documents: number; answered: number } {
  const s = stack.server.engram.compiledStats();
  if (!s) throw new Error('compiled execution is off');
  return s;
}

/**
 * Sends a request three times: yoga answers the first two (and compiles the document after the
 * second), the compiled path the third. Returns the answers with how many the compiled path gave.
 */
async function thrice(body: unknown, headers: Record<string, string> = {}): Promise<{ answers: Answer[]; compiled: number }> {
  const before = stats().answered;
  const answers = [await post(body, headers), await post(body, headers), await post(body, headers)];
  return { answers: answers.map(normalized), compiled: stats().answered - before };
}

describe('compiled execution: documents seen before answer exactly as yoga does', () => {
  const cases: Array<{ name: string; body: Record<string, unknown>; headers?: Record<string, string> }> = [
    { name: 'aliases over Postgres', body: { query: '{ a: userProfile(userId: "u1") { id displayName } b: userProfile(userId: "u2") { displayName } none: userProfile(userId: "nobody") { id } }' } },
    {
      name: 'field errors (typed, masked internal, fallback) next to data, with locations and paths',
      body: { query: '{ ok: item(itemId: "i1") { id label } bad: item(itemId: "fail-1") { id } down: downItem(itemId: "x") { id } buggy: buggyItem(itemId: "b1") { id } fb: itemWithFallback(itemId: "f1") { label } }' },
    },
    { name: 'variables and an operation name among two', body: { query: 'query A($id: ID!) { userProfile(userId: $id) { displayName } } query B { contexts { name } }', variables: { id: 'u3' }, operationName: 'A' } },
    { name: 'the other operation of that document', body: { query: 'query A($id: ID!) { userProfile(userId: $id) { displayName } } query B { contexts { name } }', operationName: 'B' } },
    { name: 'application/json', body: { query: '{ bad: item(itemId: "fail-2") { id } }' }, headers: { accept: 'application/json' } },
    { name: 'application/graphql-response+json', body: { query: '{ bad: item(itemId: "fail-3") { id } }' }, headers: { accept: 'application/graphql-response+json' } },
    { name: 'a list of types, JSON not first', body: { query: '{ userFacts(userId: "u1", limit: 2) { fact } }' }, headers: { accept: 'text/event-stream;q=0.5, application/graphql-response+json, application/json' } },
    { name: 'a CORS request', body: { query: '{ userProfile(userId: "u4") { displayName } }' }, headers: { origin: 'https://app.example' } },
    { name: 'provenance turned off', body: { query: '{ userProfile(userId: "u5") { displayName } }' }, headers: { 'x-engram-provenance': 'off' } },
    {
      name: 'a bundle: PromptContext with its parts, and bundle provenance',
      body: { query: '{ agentContext(userId: "u1", threadId: "t1", query: "tea", budgetTokens: 300, format: XML) { text tokens budgetTokens tokenizer parts { name context provider tokens itemsKept itemsDropped truncated } } }' },
    },
    { name: 'a bundle that fails with BUDGET_TOO_SMALL', body: { query: 'query B($budget: Int) { agentContext(userId: "u2", threadId: "t2", budgetTokens: $budget) { text } }', variables: { budget: 3 } } },
    { name: 'a manifest document by documentId', body: { documentId: `sha256:${sha256(MANIFEST_DOCUMENT)}`, variables: { userId: 'u6' } } },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const { answers, compiled } = await thrice(c.body, c.headers);
      expect(compiled).toBe(1);
      expect(answers[2]).toEqual(answers[0]);
      expect(answers[1]).toEqual(answers[0]);
    });
  }

  it('answers a bundle on the compiled path with its text, parts and provenance', async () => {
    const { answers, compiled } = await thrice({ query: '{ agentContext(userId: "u3", threadId: "t3", budgetTokens: 120) { text tokens parts { name itemsKept truncated } } }' });
    expect(compiled).toBe(1);
    const body = JSON.parse(answers[2]?.body ?? '{}') as { data: { agentContext: { text: string; tokens: number; parts: unknown[] } }; extensions: { contexts: Record<string, unknown> } };
    expect(body.data.agentContext.text.startsWith('## User\n')).toBe(true);
    expect(body.data.agentContext.tokens).toBeLessThanOrEqual(120);
    expect(body.data.agentContext.parts).toHaveLength(5);
    expect(body.extensions.contexts['agentContext']).toMatchObject({ bundle: true, budgetTokens: 120, tokens: body.data.agentContext.tokens });
    expect(answers[2]).toEqual(answers[0]);
  });

  it('keeps locations and paths on errors of a compiled document, and masks internals', async () => {
    const { answers, compiled } = await thrice({ query: '{\n  bad: item(itemId: "fail-9") { id }\n  buggy: buggyItem(itemId: "b9") { id }\n}' });
    expect(compiled).toBe(1);
    const body = JSON.parse(answers[2]?.body ?? '{}') as { errors: Array<Record<string, unknown>> };
    // Errors come in the order fields failed, which the spec leaves open: compared by path.
    const byPath = [...body.errors].sort((a, b) => String(a['path']).localeCompare(String(b['path'])));
    expect(byPath).toEqual([
      expect.objectContaining({ locations: [{ line: 2, column: 3 }], path: ['bad'], extensions: expect.objectContaining({ code: 'PROVIDER_ERROR', provider: 'fixture' }) }),
      { message: 'Unexpected error.', locations: [{ line: 3, column: 3 }], path: ['buggy'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(answers[2]?.body).not.toContain('secret internal detail');
  });

  it('omits extensions.contexts when the client says x-engram-provenance: off, on both paths', async () => {
    const { answers } = await thrice({ query: '{ userProfile(userId: "u7") { displayName } }' }, { 'x-engram-provenance': 'off' });
    for (const answer of answers) expect(JSON.parse(answer.body)).toEqual({ data: { userProfile: { displayName: 'Margaret Hamilton' } } });
    const on = await post({ query: '{ userProfile(userId: "u7") { displayName } }' });
    expect(JSON.parse(on.body).extensions.contexts.userProfile).toMatchObject({ provider: 'postgres', fallback: false, cached: false });
  });

  it('answers variables that do not coerce in yoga\'s words, every time', async () => {
    const query = 'query V($id: ID!) { userProfile(userId: $id) { displayName } }';
    await thrice({ query, variables: { id: 'u1' } });
    const { answers, compiled } = await thrice({ query, variables: { id: { not: 'an id' } } });
    expect(compiled).toBe(0);
    expect(answers[2]).toEqual(answers[0]);
    expect(JSON.parse(answers[0]?.body ?? '{}').errors[0].message).toMatch(/^Variable "\$id" got invalid value/);
  });
});

describe('what is never compiled', () => {
  it('a subscription sent to a schema without one is a 400, every time', async () => {
    const before = stats();
    const { answers } = await thrice({ query: 'subscription { userProfile(userId: "u1") { id } }' }, { accept: 'application/graphql-response+json' });
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).errors[0].message).toBe('Schema is not configured to execute subscription operation.');
    }
    expect(stats()).toEqual({ documents: before.documents, answered: before.answered });
  });

  it('a mutation goes through yoga\'s full pipeline every time, never compiled', async () => {
    const before = stats();
    const query = 'mutation { appendMessages(threadId: "t1", messages: []) { ids } }';
    const { answers } = await thrice({ query }, { accept: 'application/graphql-response+json' });
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).errors[0].message).toBe('Invalid arguments for "appendMessages": messages: Too small: expected array to have >=1 items.');
    }
    expect(stats()).toEqual({ documents: before.documents, answered: before.answered });
  });

  it('an invalid document stays a 400 with its validation error', async () => {
    const { answers, compiled } = await thrice({ query: '{ userProfile(userId: "u1") { nope } }' }, { accept: 'application/graphql-response+json' });
    expect(compiled).toBe(0);
    for (const answer of answers) expect(answer.status).toBe(400);
    expect(JSON.parse(answers[2]?.body ?? '{}').errors[0].message).toBe('Cannot query field "nope" on type "UserProfile".');
  });

  it('introspection, and query text in a body with unknown parameters', async () => {
    const introspection = await thrice({ query: '{ __schema { queryType { name } } }' });
    expect(introspection.compiled).toBe(0);
    expect(JSON.parse(introspection.answers[2]?.body ?? '{}')).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const unknown = await thrice({ query: '{ userProfile(userId: "u1") { id } }', extra: 1 });
    expect(unknown.compiled).toBe(0);
    expect(unknown.answers[2]?.status).toBe(400);
  });
});

describe('cancellation on the compiled path', () => {
  it("aborts the batches of a client that disconnects, as the full pipeline does", async () => {
    const query = 'query H($id: ID!) { heldItem(itemId: $id) { id } }';
    await thrice({ query, variables: { id: 'ok' } });
    expect(stats().documents).toBeGreaterThan(0);
    const { documents } = stats();
    aborted.length = 0;
    await new Promise<void>((resolve, reject) => {
      const url = new URL(`${stack.server.url}/graphql`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify({ query, variables: { id: 'hold' } }));
      // Leave once the held batch has started, then wait for the server to cancel it.
      const started = Date.now();
      const poll = setInterval(() => {
        if (aborted.length > 0) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 15_000) {
          clearInterval(poll);
          reject(new Error('the held batch was not aborted within 15 s of the client leaving'));
        }
      }, 50);
      setTimeout(() => req.destroy(), 500);
    });
    expect(aborted).toEqual(['hold']);
    expect(stats().documents).toBe(documents);
  });
});
