import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from 'pino';
import type { Principal } from '../auth/index.js';
import type { VirtualStore } from '../store/index.js';
import { createMcpServer } from './create-mcp-server.js';
import type { McpToolSet } from './mcp-tool-set.js';

export interface StdioServerOptions {
  readonly tools: McpToolSet;
  readonly store: VirtualStore;
  /** Who every call is made as: verified once at start-up (there is no credential per message). */
  readonly principal: Principal;
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
  const server = createMcpServer({
    tools: options.tools,
    sessionFor: (signal) => store.session({ principal, signal }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await server.connect(new StdioServerTransport(options.stdin, options.stdout));
  return { close: () => server.close() };
}
