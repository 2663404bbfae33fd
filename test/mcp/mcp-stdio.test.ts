import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, Authenticator, Scopes } from '../../src/auth/index.js';
import { serveMcpStdio } from '../../src/mcp/index.js';
import { migrateToLatest, openDatabase } from '../../src/providers/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

/** The environment of `npm run mcp` on top of a clean one: no configuration inherited from the test run. */
function mcpEnvironment(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(DATABASE_URL|PGLITE_DIR|AUTH_|ZEP_|REDIS_URL|HOST|PORT|ENGRAM_)/.test(name)) base[name] = value;
  }
  return { ...base, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env };
}

const ENTRY = ['--import', 'tsx', 'src/mcp-main.ts'];

let dir: string;
/** Where the child's database is: a throw-away database on TEST_DATABASE_URL, else PGlite in `dir`. */
let databaseEnv: Record<string, string>;
let database: TestDatabase | undefined;
let acmeU1Key: string;
let zep: TestZep;
let server: TestServer;
let stdio: Client;
let stderr = '';
const protocolErrors: Error[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-mcp-'));
  const create = (keys: ApiKeyStore) => keys.create({ tenant: 'acme', subject: 'u1', scopes: [Scopes.read], name: 'stdio test' }).then((k) => k.key);
  if (process.env['TEST_DATABASE_URL']) {
    database = await createTestDatabase();
    acmeU1Key = await create(new ApiKeyStore(database.db));
    databaseEnv = { DATABASE_URL: database.url ?? '', SEED_DEMO: 'false' };
  } else {
    const pgliteDir = join(dir, 'pglite');
    const opened = await openDatabase({ pgliteDir });
    await migrateToLatest(opened.db);
    acmeU1Key = await create(new ApiKeyStore(opened.db));
    await opened.close();
    databaseEnv = { PGLITE_DIR: pgliteDir };
  }

  const transport = new StdioClientTransport({ command: process.execPath, args: ENTRY, env: mcpEnvironment({ ...databaseEnv, ENGRAM_API_KEY: acmeU1Key }), stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  stdio = new Client({ name: 'engram-stdio-test', version: '1.0.0' });
  stdio.onerror = (error) => protocolErrors.push(error);
  await stdio.connect(transport);

  const testDatabase = database ?? (await createTestDatabase());
  zep = await startTestZep();
  server = await startTestServer({ db: testDatabase.db, pool: testDatabase.pool, zep: zep.options });
  if (!database) database = testDatabase;
}, 120_000);

afterAll(async () => {
  await stdio?.close();
  await server?.close();
  await zep?.close();
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run mcp (stdio)', () => {
  it('answers the same tools/list as /mcp, with nothing but the protocol on stdout', async () => {
    const http = new Client({ name: 'engram-test', version: '1.0.0' });
    await http.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    try {
      const [overStdio, overHttp] = await Promise.all([stdio.listTools(), http.listTools()]);
      expect(overStdio.tools.map((t) => t.name)).toEqual(['userProfile', 'userFacts', 'threadMessages', 'threadContext', 'searchDocuments', 'agentContext']);
      expect(overStdio).toEqual(overHttp);
    } finally {
      await http.close();
    }
    expect(stdio.getServerVersion()).toMatchObject({ name: 'engram' });
    expect(protocolErrors).toEqual([]);
    expect(stderr).toContain('"msg":"serving MCP over stdio"');
  });

  it("calls tools as the principal of ENGRAM_API_KEY: its own profile, FORBIDDEN for another's", async () => {
    const own = (await stdio.callTool({ name: 'userProfile', arguments: { userId: 'u1' } })) as CallToolResult;
    expect(own.isError).toBeFalsy();
    expect(own.structuredContent).toMatchObject({ data: { id: 'u1', displayName: 'Ada Lovelace' }, meta: { context: 'userProfile', provider: 'postgres' } });
    const other = (await stdio.callTool({ name: 'userProfile', arguments: { userId: 'u2' } })) as CallToolResult;
    const message = '"userProfile" can be read only for records of your own subject, or with the scope "context:read:any".';
    expect(other).toEqual({ isError: true, content: [{ type: 'text', text: `FORBIDDEN: ${message}` }], structuredContent: { error: { code: 'FORBIDDEN', message } } });
  });

  it('refuses to start without ENGRAM_API_KEY (unless AUTH_MODE=off), or with a key it cannot verify', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ENTRY, { env: mcpEnvironment({ ...databaseEnv, ...env }), stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.once('exit', (code) => resolve({ code, stdout: out, stderr: err }));
      });
    const missing = await run({});
    expect(missing.code).toBe(78);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'ENGRAM_API_KEY is not set: the stdio MCP server answers as the principal of an Engram API key (egk_…, from `npm run keys`; ' +
        'the embedded demo prints its keys at `npm start` and keeps them in .engram/demo-keys.json). Set AUTH_MODE=off only for local development.\n',
    );
    // PGlite is one process's: the refused start gets a directory of its own.
    const refused = await run({ ...(process.env['TEST_DATABASE_URL'] ? {} : { PGLITE_DIR: join(dir, 'pglite-refused'), SEED_DEMO: 'false' }), ENGRAM_API_KEY: 'egk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(refused.code).toBe(77);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('ENGRAM_API_KEY was refused: The API key is not valid.\n');
  }, 120_000);
});

describe('serveMcpStdio', () => {
  it('verifies the credential again for every call: a key revoked mid-session stops working', async () => {
    if (!database) throw new Error('no test database');
    const keys = new ApiKeyStore(database.db, { cacheTtlMs: 0 });
    const { key, info } = await keys.create({ tenant: 'acme', subject: 'u1', scopes: [Scopes.read], name: 'revoked mid-session' });
    const authenticator = new Authenticator({ mode: 'required', apiKeys: keys });
    const [stdin, stdout] = [new PassThrough(), new PassThrough()];
    const served = await serveMcpStdio({
      tools: server.engram.mcpTools,
      store: server.engram.store,
      principal: () => authenticator.authenticate(`Bearer ${key}`),
      stdin,
      stdout,
    });
    const lines = createInterface({ input: stdout });
    const answers = new Map<number, unknown>();
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (message.id !== undefined) answers.set(message.id, message);
    });
    let nextId = 0;
    const rpc = async (method: string, params: Record<string, unknown>): Promise<{ result: CallToolResult }> => {
      const id = ++nextId;
      stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      while (!answers.has(id)) await once(lines, 'line');
      return answers.get(id) as { result: CallToolResult };
    };
    try {
      await rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'engram-test', version: '1.0.0' } });
      const before = await rpc('tools/call', { name: 'userProfile', arguments: { userId: 'u1' } });
      expect(before.result.structuredContent).toMatchObject({ data: { id: 'u1', displayName: 'Ada Lovelace' } });
      expect(await keys.revoke(info.id)).toBe(true);
      const after = await rpc('tools/call', { name: 'userProfile', arguments: { userId: 'u1' } });
      expect(after.result).toEqual({
        isError: true,
        content: [{ type: 'text', text: 'UNAUTHENTICATED: The API key has been revoked.' }],
        structuredContent: { error: { code: 'UNAUTHENTICATED', message: 'The API key has been revoked.' } },
      });
    } finally {
      lines.close();
      await served.close();
    }
  });
});
