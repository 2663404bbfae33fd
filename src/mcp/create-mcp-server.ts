import { readFileSync } from 'node:fs';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { ContextNotFoundError, EngramError, restErrorBody, toClientError } from '../errors/index.js';
import type { StoreSession } from '../store/index.js';
import { loadMcpSdk } from './mcp-sdk.js';
import type { McpToolSet } from './mcp-tool-set.js';

let version: string | undefined;

/**
 * Engram's version for the MCP handshake, from the nearest `package.json` named engram above this
 * module: its depth differs between `src/` (tsx), `dist/` and the bench's build.
 */
function engramVersion(): string {
  if (version !== undefined) return version;
  version = '0.0.0';
  for (let dir = new URL('..', import.meta.url), i = 0; i < 6; dir = new URL('..', dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'engram' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // No package.json at this level: look further up.
    }
  }
  return version;
}

/**
 * The store session of one tool call, bound to the caller's verified principal by the transport
 * (HTTP: the request's credential; stdio: the key the process started with, verified again). It may
 * throw (or reject with) an `EngramError`, e.g. no principal or a revoked key.
 */
export type ToolSessionFactory = (signal: AbortSignal) => StoreSession | Promise<StoreSession>;

export interface McpServerOptions {
  readonly tools: McpToolSet;
  readonly sessionFor: ToolSessionFactory;
  /** Logs unexpected errors (which callers see masked). @default none */
  readonly logger?: Logger | false;
}

const INSTRUCTIONS =
  'Engram serves context for agents. Each tool reads one context (or a prompt-ready bundle of several) for your tenant; ' +
  'structuredContent is { data, meta } (meta: which provider answered, fallbacks, cache), or { error: { code, message } } with isError.';

/**
 * A tool failure as MCP's tool result (`isError`), never a JSON-RPC error: Engram's code and message in
 * the text and in the structured content; anything unexpected is masked (logged, never shown).
 */
export function toolErrorResult(error: unknown, logger?: Logger | false): CallToolResult {
  const client = toClientError(error);
  if (!(error instanceof EngramError) && logger) logger.error({ err: error }, 'unexpected error in an MCP tool call');
  return {
    isError: true,
    content: [{ type: 'text', text: `${client.code}: ${client.message}` }],
    structuredContent: restErrorBody(client),
  };
}

/**
 * An MCP server (the SDK's low-level `Server`: tools come with JSON Schemas from the registry, and
 * arguments are validated by the store as for GraphQL and REST) answering `tools/list` and
 * `tools/call` for one connection. Each call gets its own store session.
 */
export async function createMcpServer(options: McpServerOptions): Promise<Server> {
  const { tools, sessionFor, logger } = options;
  const { Server, CallToolRequestSchema, ListToolsRequestSchema } = await loadMcpSdk();
  const server = new Server({ name: 'engram', version: engramVersion() }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  const list = { tools: tools.list };
  server.setRequestHandler(ListToolsRequestSchema, () => list);
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    try {
      const tool = tools.get(name);
      if (!tool) throw new ContextNotFoundError(name);
      const output = await tool.call(await sessionFor(extra.signal), request.params.arguments ?? {});
      return { content: [{ type: 'text', text: output.text }], structuredContent: output.structuredContent };
    } catch (error) {
      return toolErrorResult(error, logger);
    }
  });
  return server;
}
