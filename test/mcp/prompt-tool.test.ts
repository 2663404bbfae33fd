import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scopes, type Principal } from '../../src/auth/index.js';
import { id } from '../../src/context/index.js';
import { contextTools, createMcpServer, McpToolSet, promptTool } from '../../src/mcp/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

/**
 * The seam bundles join MCP through: a prompt tool next to the context tools, answering its prompt
 * text as text content and its whole result as structured content, through the caller's session.
 */
let database: TestDatabase;
let zep: TestZep;
let server: TestServer;
let client: Client;

const u1: Principal = { tenant: 'acme', subject: 'u1', scopes: new Set([Scopes.read]), via: 'api-key' };

/** A stand-in bundle: the user's name under a heading, in the format asked for. */
const userCard = promptTool({
  name: 'userCard',
  description: "The user's name, prompt-ready.",
  args: z.object({ userId: id('The user to describe.') }),
  defaultBudgetTokens: 200,
  resolve: async (session, args) => {
    const { budgetTokens = 200, format = 'MARKDOWN', ...rest } = args;
    const { value, provenance } = await session.get('userProfile', rest);
    const name = (value as { displayName: string }).displayName;
    const text = format === 'XML' ? `<user>${name}</user>` : `# ${name}`;
    return { text, tokens: 3, budgetTokens, tokenizer: 'test', parts: [{ context: 'userProfile', provider: provenance.provider, tokens: 3, itemsKept: 1, itemsDropped: 0, truncated: false }] };
  },
});

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
  server = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options });
  const { store, registry } = server.engram;
  const tools = new McpToolSet([...contextTools(registry), userCard]);
  const mcp = createMcpServer({ tools, sessionFor: (signal) => store.session({ principal: u1, signal }) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  client = new Client({ name: 'engram-test', version: '1.0.0' });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  await zep?.close();
  await database?.close();
});

describe('prompt tools (the seam for bundles)', () => {
  it('lists the prompt tool after the context tools, with budgetTokens and format added to its arguments', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['userProfile', 'userFacts', 'threadMessages', 'threadContext', 'searchDocuments', 'userCard']);
    const card = tools.find((t) => t.name === 'userCard');
    expect(card?.inputSchema).toEqual({
      type: 'object',
      properties: {
        userId: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'The user to describe.', 'x-graphql-type': 'ID' },
        budgetTokens: { type: 'integer', minimum: 0, maximum: 9007199254740991, default: 200, description: 'Most tokens the prompt text may take.' },
        format: { type: 'string', enum: ['MARKDOWN', 'XML', 'JSON'], default: 'MARKDOWN', description: 'How the prompt text is rendered.' },
      },
      required: ['userId'],
    });
  });

  it('answers the prompt text as text and the whole result as structured content', async () => {
    const result = (await client.callTool({ name: 'userCard', arguments: { userId: 'u1', format: 'XML' } })) as CallToolResult;
    expect(result.content).toEqual([{ type: 'text', text: '<user>Ada Lovelace</user>' }]);
    expect(result.structuredContent).toEqual({
      text: '<user>Ada Lovelace</user>',
      tokens: 3,
      budgetTokens: 200,
      tokenizer: 'test',
      parts: [{ context: 'userProfile', provider: 'postgres', tokens: 3, itemsKept: 1, itemsDropped: 0, truncated: false }],
    });
  });

  it('refuses two tools of one name at start-up', () => {
    expect(() => new McpToolSet([userCard, userCard])).toThrow('Context definition "userCard": is served as an MCP tool more than once; tool names must be unique.');
  });

  it("answers the session's errors as tool errors with their codes", async () => {
    const result = (await client.callTool({ name: 'userCard', arguments: { userId: 'u2' } })) as CallToolResult;
    const message = '"userProfile" can be read only for records of your own subject, or with the scope "context:read:any".';
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: `FORBIDDEN: ${message}` }], structuredContent: { error: { code: 'FORBIDDEN', message } } });
  });
});
