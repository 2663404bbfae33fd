import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/index.js';
import { bearer, createTestKeys, type TestKeys } from '../support/test-credentials.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack(({ database }) => ({
  // Real API keys: access rules see real principals. A 30 s key cache keeps verification out of the SQL counts.
  auth: { mode: 'required', apiKeys: new ApiKeyStore(database.db, { cacheTtlMs: 30_000 }) },
}));
let keys: TestKeys;

beforeAll(async () => {
  keys = await createTestKeys(stack.database.db);
});

afterEach(() => {
  stack.zep.emulator.faults.reset();
  stack.zep.emulator.resetStats();
});

interface PromptPartValue {
  name: string;
  context: string;
  provider: string | null;
  tokens: number;
  itemsKept: number;
  itemsDropped: number;
  truncated: boolean;
}
interface PromptContextValue {
  text: string;
  tokens: number;
  budgetTokens: number;
  tokenizer: string;
  parts: PromptPartValue[];
}
interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
    extensions?: { contexts?: Record<string, Record<string, unknown> & { parts?: Array<Record<string, unknown>> }> };
  };
}

const FIELDS = 'text tokens budgetTokens tokenizer parts { name context provider tokens itemsKept itemsDropped truncated }';

async function graphql(key: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${stack.server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...bearer(key) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function bundle(key: string, args: string): Promise<{ value: PromptContextValue | null; answer: Answer }> {
  const answer = await graphql(key, `{ agentContext(${args}) { ${FIELDS} } }`);
  return { value: (answer.body.data?.['agentContext'] ?? null) as PromptContextValue | null, answer };
}

/** The same request's parts asked as ordinary fields, with the arguments the bundle derives. */
const PARTS_DIRECTLY = `{
  userProfile(userId: "u1") { displayName }
  threadContext(threadId: "t1") { context }
  threadMessages(threadId: "t1", lastN: 20) { role content }
  userFacts(userId: "u1", query: "tea", limit: 20) { fact }
  searchDocuments(query: "tea", limit: 5) { title }
}`;

/** SQL statements (counted on the pool's clients) and Zep calls (counted by the emulator) of one request. */
async function cost(run: () => Promise<Answer>): Promise<{ statements: number; zep: Record<string, number>; answer: Answer }> {
  stack.zep.emulator.resetStats();
  const before = stack.database.statements();
  const answer = await run();
  return { statements: stack.database.statements() - before, zep: stack.zep.emulator.stats().byRoute, answer };
}

describe('agentContext: one block of text under an exact budget', () => {
  it('renders the parts in order, counts tokens exactly on the text, and reports each part', async () => {
    const { value, answer } = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", query: "tea"');
    expect(answer.body.errors).toBeUndefined();
    if (!value) throw new Error('no value');
    expect(value.tokens).toBe(countTokens(value.text));
    expect(value).toMatchObject({ budgetTokens: 2000, tokenizer: 'o200k_base' });
    expect(value.tokens).toBeLessThanOrEqual(2000);
    expect(value.text.startsWith('## User\nAda Lovelace <ada@example.com>\nplan: free\n')).toBe(true);
    expect(value.text).toContain('## Thread context\nFACTS and ENTITIES represent relevant context');
    expect(value.text).toContain("## Latest messages\n- user: Hi, I'm Ada. Can you help me with GraphQL?\n");
    expect(value.text).toContain('## Facts\n- Ada prefers green tea in the morning.\n');
    expect(value.parts.map((p) => [p.name, p.context, p.provider, p.truncated])).toEqual([
      ['profile', 'userProfile', 'postgres', false],
      ['context', 'threadContext', 'zep', false],
      ['messages', 'threadMessages', 'zep', false],
      ['facts', 'userFacts', 'zep', false],
      ['documents', 'searchDocuments', 'postgres', false],
    ]);
    expect(value.parts.find((p) => p.name === 'messages')).toMatchObject({ itemsKept: 6, itemsDropped: 0 });
    for (const part of value.parts) {
      if (part.itemsKept === 0) expect(part.tokens).toBe(0);
      else expect(part.tokens).toBeGreaterThan(0);
    }
    expect(answer.body.extensions?.contexts?.['agentContext']).toMatchObject({
      context: 'agentContext',
      bundle: true,
      tokens: value.tokens,
      budgetTokens: 2000,
      tokenizer: 'o200k_base',
      format: 'MARKDOWN',
      parts: [
        { part: 'profile', context: 'userProfile', provider: 'postgres', operation: 'userProfile', fallback: false, priority: 0, itemsKept: 1, itemsDropped: 0 },
        { part: 'context', provider: 'zep', operation: 'threadContext', priority: 3 },
        { part: 'messages', provider: 'zep', operation: 'threadMessages', priority: 1, itemsKept: 6 },
        { part: 'facts', provider: 'zep', operation: 'userFacts', priority: 2 },
        { part: 'documents', provider: 'postgres', operation: 'searchDocuments', priority: 4 },
      ],
    });
  });

  it('costs the same SQL statements and Zep calls as asking for its parts in one request', async () => {
    // An agent key (context:read:any) skips the owner lookups; u1's own key needs them.
    for (const [key, statements] of [[keys.acmeAgent, 4], [keys.acmeU1, 5]] as const) {
      // Warm the key cache: verification must not count.
      await graphql(key, '{ contexts { name } }');
      const direct = await cost(() => graphql(key, PARTS_DIRECTLY));
      expect(direct.answer.body.errors).toBeUndefined();
      const viaBundle = await cost(() => bundle(key, 'userId: "u1", threadId: "t1", query: "tea"').then((b) => b.answer));
      expect(viaBundle.answer.body.errors).toBeUndefined();
      expect(viaBundle.statements).toBe(direct.statements);
      expect(viaBundle.zep).toEqual(direct.zep);
      // userProfile, searchDocuments, and whether the thread holds writes Zep lacks (threadContext, threadMessages),
      // plus the thread owner lookup (shared by two access rules) for u1: one statement each.
      expect(viaBundle.statements).toBe(statements);
      expect(viaBundle.zep).toEqual({ 'GET /threads/:threadId/context': 1, 'GET /threads/:threadId/messages': 1, 'POST /graph/search': 1 });
    }
  });

  it('de-duplicates parts across aliases: two budgets of one bundle cost what one does', async () => {
    await graphql(keys.acmeAgent, '{ contexts { name } }');
    const one = await cost(() => bundle(keys.acmeAgent, 'userId: "u2", threadId: "t2"').then((b) => b.answer));
    const two = await cost(() =>
      graphql(keys.acmeAgent, `{ small: agentContext(userId: "u2", threadId: "t2", budgetTokens: 80) { tokens } large: agentContext(userId: "u2", threadId: "t2") { tokens } }`),
    );
    expect(two.answer.body.errors).toBeUndefined();
    expect(one.statements).toBeGreaterThan(0);
    expect(two.statements).toBe(one.statements);
    expect(two.zep).toEqual(one.zep);
    const data = two.answer.body.data as { small: { tokens: number }; large: { tokens: number } };
    expect(data.small.tokens).toBeLessThanOrEqual(80);
    expect(data.large.tokens).toBeGreaterThan(data.small.tokens);
    expect(Object.keys(two.answer.body.extensions?.contexts ?? {})).toEqual(['small', 'large']);
  });

  it('falls back to Postgres parts under a Zep outage, and says so per part', async () => {
    stack.zep.emulator.faults.set({ outage: true });
    const { value, answer } = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", query: "tea"');
    expect(answer.body.errors).toBeUndefined();
    if (!value) throw new Error('no value');
    expect(value.parts.map((p) => [p.name, p.provider])).toEqual([
      ['profile', 'postgres'],
      ['context', 'postgres'],
      ['messages', 'postgres'],
      ['facts', 'postgres'],
      ['documents', 'postgres'],
    ]);
    expect(value.text).toContain('  - Ada prefers green tea in the morning. (Date range: 2026-01-01T09:00:00.000Z - present)');
    const fallback = (part: string, zep: string, postgres: string) =>
      expect.objectContaining({
        part,
        provider: 'postgres',
        operation: postgres,
        fallback: true,
        fallbackReason: 'PROVIDER_UNAVAILABLE',
        attempts: [{ provider: 'zep', operation: zep, error: 'PROVIDER_UNAVAILABLE' }, { provider: 'postgres', operation: postgres }],
      });
    expect(answer.body.extensions?.contexts?.['agentContext']?.parts).toEqual([
      expect.objectContaining({ part: 'profile', provider: 'postgres', fallback: false }),
      fallback('context', 'threadContext', 'threadFacts'),
      fallback('messages', 'threadMessages', 'threadMessages'),
      fallback('facts', 'userFacts', 'userFacts'),
      expect.objectContaining({ part: 'documents', provider: 'postgres', fallback: false }),
    ]);
  });

  it('serves each tenant its own data', async () => {
    const { value } = await bundle(keys.globexAgent, 'userId: "u1", threadId: "t1"');
    expect(value?.text.startsWith('## User\nMarie Curie <')).toBe(true);
    expect(value?.text).not.toContain('Ada');
  });

  it('fits smaller budgets by cutting the highest priority numbers first, and never gives less text for more budget', async () => {
    let previous: PromptContextValue | undefined;
    for (const budgetTokens of [60, 120, 250, 400, 2000]) {
      const { value, answer } = await bundle(keys.acmeAgent, `userId: "u1", threadId: "t1", query: "tea", budgetTokens: ${budgetTokens}`);
      expect(answer.body.errors).toBeUndefined();
      if (!value) throw new Error('no value');
      expect(value.tokens).toBeLessThanOrEqual(budgetTokens);
      expect(value.tokens).toBe(countTokens(value.text));
      if (previous) {
        expect(value.text.length).toBeGreaterThanOrEqual(previous.text.length);
        for (const [i, p] of value.parts.entries()) expect(p.itemsKept).toBeGreaterThanOrEqual(previous.parts[i]?.itemsKept ?? 0);
      }
      previous = value;
    }
    const { value } = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", query: "tea", budgetTokens: 120');
    // The profile stays; the newest messages come next (priority 1), the oldest cut first; nothing
    // less important than the first cut item is kept, so the facts and the context block go too.
    expect(value?.parts.map((p) => [p.name, p.itemsKept, p.itemsDropped, p.truncated])).toEqual([
      ['profile', 1, 0, false],
      ['context', 0, 1, true],
      ['messages', 4, 2, true],
      ['facts', 0, 1, true],
      ['documents', 0, 0, false],
    ]);
    expect(value?.text).toContain(
      "\n\n## Latest messages\n- user: How do I batch requests when using GraphQL?\n- assistant: Group the keys of one request and fetch them in a single round trip.\n" +
        "- user: Thanks! Also, I usually drink green tea while coding.\n- assistant: Noted. I'll remember that you like green tea.\n",
    );
    expect(value?.text).not.toContain('Hi, I');
  });

  it('fails with BUDGET_TOO_SMALL, giving the minimum, when the profile alone does not fit', async () => {
    const { value, answer } = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", budgetTokens: 5');
    expect(value).toBeNull();
    const error = answer.body.errors?.[0];
    const minimum = error?.extensions?.['minimumTokens'] as number;
    expect(minimum).toBeGreaterThan(5);
    expect(error).toMatchObject({
      message: `Bundle "agentContext" needs at least ${minimum} tokens for its priority-0 parts (profile) in MARKDOWN with o200k_base; budgetTokens is 5.`,
      path: ['agentContext'],
      extensions: { code: 'BUDGET_TOO_SMALL', budgetTokens: 5, minimumTokens: minimum },
    });
    expect(answer.body.extensions?.contexts?.['agentContext']).toMatchObject({ bundle: true, tokens: 0, error: 'BUDGET_TOO_SMALL' });
    const exact = await bundle(keys.acmeAgent, `userId: "u1", threadId: "t1", budgetTokens: ${minimum}`);
    expect(exact.value).toMatchObject({ tokens: minimum });
    expect(exact.value?.text.startsWith('## User\nAda Lovelace')).toBe(true);
  });

  it('renders XML and JSON', async () => {
    const xml = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", format: XML');
    expect(xml.value?.text.startsWith('<profile>\nAda Lovelace &lt;ada@example.com&gt;\n')).toBe(true);
    expect(xml.value?.text).toContain("<messages>\n<item>user: Hi, I'm Ada. Can you help me with GraphQL?</item>\n");
    const json = await bundle(keys.acmeAgent, 'userId: "u1", threadId: "t1", format: JSON, budgetTokens: 4000');
    if (!json.value) throw new Error('no value');
    expect(json.value.tokens).toBe(countTokens(json.value.text));
    const parsed = JSON.parse(json.value.text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['profile', 'context', 'messages', 'facts']);
    expect(parsed['profile']).toMatchObject({ id: 'u1', displayName: 'Ada Lovelace' });
  });
});

describe('agentContext access: readable when every priority-0 part is', () => {
  it('drops and reports a refused lower-priority part (another user\'s thread)', async () => {
    // acmeU1 reads its own profile but t2 belongs to u2: the thread parts are refused, the rest is served.
    const { value, answer } = await bundle(keys.acmeU1, 'userId: "u1", threadId: "t2"');
    expect(answer.body.errors).toBeUndefined();
    expect(value?.parts.map((p) => [p.name, p.provider, p.itemsKept, p.truncated])).toEqual([
      ['profile', 'postgres', 1, false],
      ['context', null, 0, true],
      ['messages', null, 0, true],
      ['facts', 'zep', expect.any(Number), false],
      ['documents', null, 0, false],
    ]);
    expect(value?.text).not.toContain('Grace');
    expect(answer.body.extensions?.contexts?.['agentContext']?.parts).toEqual([
      expect.objectContaining({ part: 'profile', provider: 'postgres' }),
      expect.objectContaining({ part: 'context', provider: null, error: 'FORBIDDEN', truncated: true }),
      expect.objectContaining({ part: 'messages', provider: null, error: 'FORBIDDEN', truncated: true }),
      expect.objectContaining({ part: 'facts', provider: 'zep' }),
      expect.objectContaining({ part: 'documents', provider: null, skipped: true }),
    ]);
  });

  it('refuses the bundle when a priority-0 part is refused, with that part\'s error', async () => {
    const direct = await graphql(keys.acmeU1, '{ userProfile(userId: "u2") { id } }');
    const { value, answer } = await bundle(keys.acmeU1, 'userId: "u2", threadId: "t2"');
    expect(value).toBeNull();
    expect(answer.body.errors).toEqual([
      { message: direct.body.errors?.[0]?.message, locations: [{ line: 1, column: 3 }], path: ['agentContext'], extensions: direct.body.errors?.[0]?.extensions },
    ]);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });
});

describe('agentContext over REST', () => {
  const get = async (query: string, key?: string) => {
    const response = await fetch(`${stack.server.url}/api/v1/context/agentContext?${query}`, { headers: key ? bearer(key) : {} });
    return { status: response.status, body: (await response.json()) as { data?: PromptContextValue; meta?: Record<string, unknown>; error?: Record<string, unknown> } };
  };

  it('serves the same bundle with its provenance as meta', async () => {
    const { status, body } = await get('userId=u1&threadId=t1&budgetTokens=300&format=XML', keys.acmeAgent);
    expect(status).toBe(200);
    expect(body.data?.tokens).toBe(countTokens(body.data?.text ?? ''));
    expect(body.data?.tokens).toBeLessThanOrEqual(300);
    expect(body.data?.text.startsWith('<profile>\n')).toBe(true);
    expect(body.meta).toMatchObject({ context: 'agentContext', bundle: true, budgetTokens: 300, format: 'XML', parts: expect.any(Array) });
  });

  it('takes the arguments as a JSON body too', async () => {
    const response = await fetch(`${stack.server.url}/api/v1/context/agentContext`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys.acmeAgent) },
      body: JSON.stringify({ userId: 'u1', threadId: 't1', budgetTokens: 100, format: 'JSON' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: PromptContextValue; meta: Record<string, unknown> };
    expect(body.data.tokens).toBeLessThanOrEqual(100);
    expect(JSON.parse(body.data.text)).toMatchObject({ profile: { displayName: 'Ada Lovelace' } });
    expect(body.meta).toMatchObject({ bundle: true, format: 'JSON', budgetTokens: 100 });
  });

  it('answers 422 BUDGET_TOO_SMALL with the minimum, 400 for bad arguments and 401 without credentials', async () => {
    const small = await get('userId=u1&threadId=t1&budgetTokens=5', keys.acmeAgent);
    expect(small.status).toBe(422);
    expect(small.body.error).toEqual({
      code: 'BUDGET_TOO_SMALL',
      message: `Bundle "agentContext" needs at least ${small.body.error?.['minimumTokens']} tokens for its priority-0 parts (profile) in MARKDOWN with o200k_base; budgetTokens is 5.`,
      budgetTokens: 5,
      minimumTokens: expect.any(Number),
    });
    const bad = await get('userId=u1&threadId=t1&budgetTokens=-1&format=HTML', keys.acmeAgent);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', invalidArgs: [{ field: 'budgetTokens' }, { field: 'format' }] });
    expect((await get('userId=u1&threadId=t1')).status).toBe(401);
  });

  it('is described in the OpenAPI document, with its 422', async () => {
    const document = (await (await fetch(`${stack.server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, { get: Record<string, unknown> }> };
    const route = document.paths['/api/v1/context/agentContext']?.get;
    expect(route?.['operationId']).toBe('getAgentContext');
    expect(Object.keys((route?.['responses'] ?? {}) as object)).toContain('422');
    expect(((route?.['parameters'] ?? []) as Array<{ name: string }>).map((p) => p.name)).toEqual(['userId', 'threadId', 'query', 'budgetTokens', 'format']);
  });
});
