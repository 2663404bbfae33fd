import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/auth/index.js';
import { demoContexts } from '../../src/demo/index.js';
import { fixtureContexts } from '../support/fixture-contexts.js';
import { FixtureProvider } from '../support/fixture-provider.js';
import { bearer, createTestKeys, startTestIdentityProvider, type TestIdentityProvider, type TestKeys } from '../support/test-credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let zep: TestZep;
let idp: TestIdentityProvider;
let keys: TestKeys;
let server: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  [database, zep, idp] = await Promise.all([createTestDatabase(), startTestZep(), startTestIdentityProvider()]);
  keys = await createTestKeys(database.db);
  server = await startTestServer({
    db: database.db,
    pool: database.pool,
    zep: zep.options,
    providers: [new FixtureProvider()],
    definitions: [...demoContexts, ...fixtureContexts],
    auth: new Authenticator({ mode: 'required', apiKeys: keys.store, jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience } }),
  });
});

afterEach(async () => {
  zep.emulator.faults.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await server?.close();
  await Promise.all([zep?.close(), idp?.close()]);
  await database?.close();
});

/** A JWT of the test identity provider: no database lookup, so statement counts are the context's alone. */
const jwt = (claims: Record<string, unknown> = {}) => idp.sign({ tenant_id: 'acme', sub: 'demo-agent', scope: 'context:read:any', ...claims });

/** The official SDK client over streamable HTTP, with this bearer credential. */
async function connect(credential: string): Promise<Client> {
  const client = new Client({ name: 'engram-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: bearer(credential) } }));
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const text = (result: CallToolResult): string => {
  const [first] = result.content;
  if (first?.type !== 'text') throw new Error(`expected text content, received ${JSON.stringify(result.content)}`);
  return first.text;
};

async function rawPost(body: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('MCP over streamable HTTP at /mcp', () => {
  it('lists a tool per context definition, with the JSON Schema of its arguments', async () => {
    const client = await connect(await jwt());
    const { tools } = await client.listTools();
    const { registry } = server.engram;
    expect(tools.map((t) => t.name)).toEqual([...registry.list().map((c) => c.name), ...registry.bundles().map((b) => b.name)]);
    expect(tools.map((t) => t.name)).toContain('agentContext');
    // The fixture pack's definitions are tools too: no per-definition code anywhere.
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['userProfile', 'userFacts', 'threadContext', 'threadMessages', 'searchDocuments', 'item', 'itemWithFallback']));
    const facts = tools.find((t) => t.name === 'userFacts');
    expect(facts?.description).toBe('What is known about the user: from Zep hot memory (ranked by `query` when given), else from the Postgres archive, newest first.');
    expect(facts?.inputSchema).toEqual({
      type: 'object',
      properties: {
        userId: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'The user the facts are about.', 'x-graphql-type': 'ID' },
        query: { type: 'string', minLength: 1, maxLength: 500, description: 'Rank facts by relevance to this text (Zep only; the archive ignores it).' },
        limit: { type: 'integer', minimum: 1, maximum: 50, default: 10, description: 'Most facts to return (1–50).' },
      },
      required: ['userId'],
      additionalProperties: false,
    });
    expect(facts?.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
    expect(facts?.outputSchema?.type).toBe('object');
  });

  it('calls userProfile: structuredContent is the GraphQL answer and its provenance, text the value as JSON', async () => {
    const credential = await jwt();
    const client = await connect(credential);
    const fields = 'id email firstName lastName displayName locale timezone plan bio preferences createdAt';
    const graphql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(credential) },
      body: JSON.stringify({ query: `{ userProfile(userId: "u1") { ${fields} } }` }),
    });
    const expected = ((await graphql.json()) as { data: { userProfile: Record<string, unknown> } }).data.userProfile;
    expect(expected['displayName']).toBe('Ada Lovelace');

    const result = await call(client, 'userProfile', { userId: 'u1' });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { data: unknown; meta: Record<string, unknown> };
    expect(structured.data).toEqual(expected);
    expect(structured.meta).toMatchObject({ context: 'userProfile', provider: 'postgres', operation: 'userProfile', fallback: false, cached: false, stale: false });
    expect(JSON.parse(text(result))).toEqual(expected);
  });

  it('calls agentContext: the prompt text as text, PromptContext and what was cut as structuredContent', async () => {
    const credential = await jwt();
    const client = await connect(credential);
    const agent = (await client.listTools()).tools.find((t) => t.name === 'agentContext');
    expect(agent?.inputSchema.properties).toMatchObject({
      userId: { type: 'string' },
      threadId: { type: 'string' },
      budgetTokens: { type: 'integer', minimum: 0, default: 2000 },
    });
    expect(agent?.inputSchema.additionalProperties).toBe(false);

    const result = await call(client, 'agentContext', { userId: 'u1', threadId: 't1', query: 'programming', budgetTokens: 300 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { data: { text: string; tokens: number; budgetTokens: number; tokenizer: string; parts: Array<{ context: string }> }; meta: Record<string, unknown> };
    expect(text(result)).toBe(structured.data.text);
    expect(structured.data.text).toContain('Ada Lovelace');
    expect(structured.data.budgetTokens).toBe(300);
    expect(structured.data.tokens).toBeGreaterThan(0);
    expect(structured.data.tokens).toBeLessThanOrEqual(300);
    expect(structured.data.tokenizer).toBe('o200k_base');
    expect(structured.data.parts.map((p) => p.context)).toContain('userProfile');
    expect(structured.meta).toMatchObject({ budgetTokens: 300, tokens: structured.data.tokens, tokenizer: 'o200k_base' });

    // The same bundle over GraphQL gives the same text.
    const graphql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(credential) },
      body: JSON.stringify({ query: '{ agentContext(userId: "u1", threadId: "t1", query: "programming", budgetTokens: 300) { text tokens } }' }),
    });
    const answer = (await graphql.json()) as { data: { agentContext: { text: string; tokens: number } } };
    expect(answer.data.agentContext).toEqual({ text: structured.data.text, tokens: structured.data.tokens });
  });

  it('answers a budget below the bundle\'s minimum with a BUDGET_TOO_SMALL tool error', async () => {
    const client = await connect(await jwt());
    const result = await call(client, 'agentContext', { userId: 'u1', threadId: 't1', budgetTokens: 1 });
    expect(result.isError).toBe(true);
    const { error } = result.structuredContent as { error: { code: string; message: string } };
    expect(error.code).toBe('BUDGET_TOO_SMALL');
    expect(error.message).toMatch(/^Bundle "agentContext" needs at least \d+ tokens for its priority-0 parts \(profile\) in MARKDOWN with o200k_base; budgetTokens is 1\.$/);
    expect(text(result)).toBe(`BUDGET_TOO_SMALL: ${error.message}`);
  });

  it('costs the same SQL statements and Zep calls as the GraphQL field', async () => {
    const credential = await jwt();
    const client = await connect(credential);
    const measure = async (fn: () => Promise<unknown>) => {
      const statements = database.statements();
      zep.emulator.resetStats();
      await fn();
      return { statements: database.statements() - statements, zep: zep.emulator.stats().total };
    };
    const viaGraphQL = await measure(() =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(credential) },
        body: JSON.stringify({ query: '{ userProfile(userId: "u2") { id } userFacts(userId: "u2") { id } }' }),
      }).then((r) => r.json()),
    );
    const viaMcp = await measure(() => Promise.all([call(client, 'userProfile', { userId: 'u2' }), call(client, 'userFacts', { userId: 'u2' })]));
    expect(viaGraphQL).toEqual({ statements: 1, zep: 1 });
    expect(viaMcp).toEqual(viaGraphQL);
  });

  it('answers bad arguments with a BAD_USER_INPUT tool error naming each field, not a protocol error', async () => {
    const client = await connect(await jwt());
    const result = await call(client, 'userFacts', { limit: 'abc', colour: 'red' });
    const message = 'Invalid arguments for "userFacts": colour: unknown argument; expected one of: userId, query, limit.';
    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: `BAD_USER_INPUT: ${message}` }],
      structuredContent: { error: { code: 'BAD_USER_INPUT', message, invalidArgs: [{ field: 'colour', reason: 'unknown argument; expected one of: userId, query, limit' }] } },
    });
    const typed = await call(client, 'userFacts', { limit: 'abc' });
    expect(typed.structuredContent).toEqual({
      error: {
        code: 'BAD_USER_INPUT',
        message: 'Invalid arguments for "userFacts": userId: Invalid input: expected string, received undefined; limit: Invalid input: expected number, received string.',
        invalidArgs: [
          { field: 'userId', reason: 'Invalid input: expected string, received undefined' },
          { field: 'limit', reason: 'Invalid input: expected number, received string' },
        ],
      },
    });
  });

  it("refuses another user's profile with FORBIDDEN (an API key of u1)", async () => {
    const client = await connect(keys.acmeU1);
    const own = await call(client, 'userProfile', { userId: 'u1' });
    expect((own.structuredContent as { data: { displayName: string } }).data.displayName).toBe('Ada Lovelace');
    const other = await call(client, 'userProfile', { userId: 'u2' });
    const message = '"userProfile" can be read only for records of your own subject, or with the scope "context:read:any".';
    expect(other).toEqual({ isError: true, content: [{ type: 'text', text: `FORBIDDEN: ${message}` }], structuredContent: { error: { code: 'FORBIDDEN', message } } });
  });

  it('keeps tenants apart: the same user id in another tenant is another user', async () => {
    const client = await connect(keys.globexU1);
    const result = await call(client, 'userProfile', { userId: 'u1' });
    expect((result.structuredContent as { data: { displayName: string } }).data.displayName).toBe('Marie Curie');
  });

  it('falls back to Postgres during a Zep outage, with provenance saying so', async () => {
    const client = await connect(await jwt());
    zep.emulator.faults.set({ outage: true });
    const result = await call(client, 'userFacts', { userId: 'u1', limit: 2 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { data: unknown[]; meta: Record<string, unknown> };
    expect(structured.data).toHaveLength(2);
    expect(structured.meta).toMatchObject({ context: 'userFacts', provider: 'postgres', fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE' });
    expect(structured.meta['attempts']).toEqual([
      { provider: 'zep', operation: 'userFacts', error: 'PROVIDER_UNAVAILABLE' },
      { provider: 'postgres', operation: 'userFacts' },
    ]);
  });

  it('reports failures of every source and unknown tools as tool errors with their codes', async () => {
    const client = await connect(await jwt());
    expect(await call(client, 'downItem', { itemId: 'x' })).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'PROVIDER_UNAVAILABLE: Provider "fixture" is unavailable for "downItem": connection refused.' }],
      structuredContent: { error: { code: 'PROVIDER_UNAVAILABLE', message: 'Provider "fixture" is unavailable for "downItem": connection refused.' } },
    });
    expect(await call(client, 'nope', {})).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'CONTEXT_NOT_FOUND: Unknown context "nope".' }],
      structuredContent: { error: { code: 'CONTEXT_NOT_FOUND', message: 'Unknown context "nope".' } },
    });
    const buggy = await call(client, 'buggyItem', { itemId: 'x' });
    expect(buggy).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'INTERNAL_SERVER_ERROR: Unexpected error.' }],
      structuredContent: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } },
    });
  });

  it('answers 401 with a Bearer challenge without credentials, and the SDK client cannot connect', async () => {
    const answer = await rawPost(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), {});
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="engram"');
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Authentication required: send "Authorization: Bearer <token>" (JWT bearer tokens and API keys).' } });
    await expect(connect('egk_not-a-real-key')).rejects.toMatchObject({
      code: 401,
      message: 'Streamable HTTP error: Error POSTing to endpoint: {"error":{"code":"UNAUTHENTICATED","message":"The API key is malformed (expected egk_<16 hex>_<43 base64url>)."}}',
    });
  });

  it('answers malformed JSON-RPC with the protocol error, GET and DELETE with 405', async () => {
    const auth = bearer(await jwt());
    const malformed = await rawPost('{"jsonrpc": "2.0", "id": 1, "method":', auth);
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: Invalid JSON' }, id: null });
    const notJsonRpc = await rawPost('{"hello": "world"}', auth);
    expect(notJsonRpc.status).toBe(400);
    expect(JSON.parse(notJsonRpc.body)).toMatchObject({ error: { code: -32700, message: 'Parse error: Invalid JSON-RPC message' } });
    const wrongType = await rawPost('{}', { ...auth, 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(JSON.parse(wrongType.body)).toMatchObject({ error: { code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' } });
    // Arguments that are not an object break the protocol's own schema, before any tool runs: the SDK
    // answers a JSON-RPC error (its code, -32603, and zod's issue as the message), never an HTTP 500.
    const badParams = await rawPost(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'userProfile', arguments: 'u1' } }), auth);
    expect(badParams.status).toBe(200);
    const rpcError = JSON.parse(badParams.body) as { id: number; error: { code: number; message: string } };
    expect(rpcError).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32603 } });
    expect(JSON.parse(rpcError.error.message)).toEqual([{ expected: 'record', code: 'invalid_type', path: ['params', 'arguments'], message: 'Invalid input: expected record, received string' }]);

    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${server.url}/mcp`, { method, headers: { ...auth, accept: 'text/event-stream' } });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST.' }, id: null });
    }
  });

  it('answers a tools/call posted by hand with JSON (stateless: no session id)', async () => {
    const auth = bearer(await jwt());
    const answer = await rawPost(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'item', arguments: { itemId: 'a' } } }), auth);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('mcp-session-id')).toBeNull();
    const body = JSON.parse(answer.body) as { id: number; result: CallToolResult };
    expect(body.id).toBe(7);
    expect(body.result.structuredContent).toMatchObject({ data: { id: 'a', label: 'fixture:a' }, meta: { context: 'item', provider: 'fixture' } });
  });
});

describe('/mcp limits', () => {
  it('counts MCP requests against the same per-principal rate limit as /graphql and REST', async () => {
    const limited = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, rateLimit: { max: 2, windowMs: 60_000 } });
    try {
      const post = () =>
        fetch(`${limited.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
      expect((await post()).status).toBe(200);
      expect((await limited.graphql('{ userProfile(userId: "u1") { id } }')).status).toBe(200);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^Rate limit of 2 requests per 60 s exceeded; retry in \d+ s\.$/) } });
    } finally {
      await limited.close();
    }
  });

  it('bounds the body like every route: 413 past the body limit, before the SDK reads it', async () => {
    const response = await rawPost(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(300_000) } }), bearer(await jwt()));
    expect(response.status).toBe(413);
  });
});
