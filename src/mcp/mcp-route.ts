import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { StoreSession } from '../store/index.js';
import { createMcpServer } from './create-mcp-server.js';
import { loadMcpSdk } from './mcp-sdk.js';
import type { McpToolSet } from './mcp-tool-set.js';

/**
 * The store session of one tool call of an HTTP request, built by the HTTP layer (which owns
 * authentication, deadlines and the client's disconnect); `signal` is the call's own cancellation.
 */
export type McpSessionFactory = (request: FastifyRequest, reply: FastifyReply, signal: AbortSignal) => StoreSession;

/**
 * Not handed to the SDK: headers of the HTTP connection itself, and credentials (verified already by
 * the authentication hook; the SDK has no use for them and must not carry them into its message info).
 */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'authorization', 'cookie']);

/** The Fastify request as a web `Request` for the SDK's transport, with the body text as received. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const body = typeof request.body === 'string' ? request.body : '';
  return new Request(`http://localhost${request.url}`, { method: 'POST', headers, body });
}

/** JSON-RPC's answer to GET and DELETE: this server keeps no sessions and opens no server-sent stream. */
const METHOD_NOT_ALLOWED = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST.' }, id: null });

export interface McpRouteOptions {
  readonly tools: McpToolSet;
  readonly sessionFor: McpSessionFactory;
  readonly logger?: Logger | false;
}

/**
 * `POST /mcp`: the Model Context Protocol over streamable HTTP, stateless (a server and transport per
 * request, JSON answers, no `Mcp-Session-Id`), behind the app's authentication, rate limits, load
 * shedding and HTTP limits like every other route. `GET` and `DELETE` answer 405, as the transport's
 * specification asks of a server without sessions or a server-sent stream.
 */
export function registerMcpRoute(app: FastifyInstance, options: McpRouteOptions): void {
  const { tools, sessionFor, logger } = options;
  void app.register(async (mcp) => {
    // The SDK reads the body itself, so that a malformed message gets JSON-RPC's parse error (and a
    // wrong content type its 415); Fastify only bounds the body's size.
    mcp.removeAllContentTypeParsers();
    mcp.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    mcp.post('/mcp', async (request, reply) => {
      const { WebStandardStreamableHTTPServerTransport } = await loadMcpSdk();
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      const server = await createMcpServer({ tools, sessionFor: (signal) => sessionFor(request, reply, signal), logger });
      try {
        await server.connect(transport);
        const response = await transport.handleRequest(webRequest(request));
        const body = await response.text();
        reply.status(response.status);
        response.headers.forEach((value, name) => {
          reply.header(name, value);
        });
        return reply.send(body === '' ? undefined : body);
      } finally {
        await server.close();
      }
    });

    const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.status(405).header('allow', 'POST').type('application/json').send(METHOD_NOT_ALLOWED);
    mcp.get('/mcp', notAllowed);
    mcp.delete('/mcp', notAllowed);
  });
}
