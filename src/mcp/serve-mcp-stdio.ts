import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Principal } from '../auth/index.js';
import type { VirtualStore } from '../store/index.js';
import { createMcpServer } from './create-mcp-server.js';
import type { McpToolSet } from './mcp-tool-set.js';

export interface StdioServerOptions {
  readonly tools: McpToolSet;
  readonly store: VirtualStore;
  /**
   * Who each call is made as. There is no credential per message: this verifies the process's own
   * credential again for every call (cheap while the key store's cache holds it), so that a revoked
   * key or an expired token stops working as it would over HTTP. Rejects with an `EngramError`.
   */
  readonly principal: () => Principal | Promise<Principal>;
  readonly logger?: Logger | false;
  /** @default process.stdin */
  readonly stdin?: Readable;
  /** The protocol's channel: nothing else may write to it. @default process.stdout */
  readonly stdout?: Writable;
}

/**
 * Serves the tools over stdio (newline-delimited JSON-RPC) for a local agent that spawns Engram.
 * One store session per call, as the principal given; resolves once the transport is listening
 * and returns what stops it.
 */
export async function serveMcpStdio(options: StdioServerOptions): Promise<{ close(): Promise<void> }> {
  const { store, principal } = options;
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const server = await createMcpServer({
    tools: options.tools,
    sessionFor: async (signal) => store.session({ principal: await principal(), signal }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await server.connect(new StdioServerTransport(options.stdin, options.stdout));
  return { close: () => server.close() };
}
