import type { Server, ServerOptions } from 'node:http';
import type { Logger } from 'pino';

/** Bounds on what one client can hold open; every one applies to every route. */
export interface HttpLimits {
  /**
   * The whole request (headers and body) must arrive within this, else 408 and the socket is
   * closed: a client trickling its body cannot hold a connection forever.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /**
   * The request headers must arrive within this. At most `requestTimeoutMs`.
   * @default 10000
   */
  readonly headersTimeoutMs?: number;
  /**
   * An idle keep-alive connection is closed after this. Longer than a load balancer's idle
   * timeout (60 s on common ones), so that the balancer, not Engram, closes first.
   * @default 72000
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Open connections beyond this are closed as soon as they are accepted. Keep it well below the
   * process's open-files limit (`ulimit -n`): database, Redis and Zep connections need descriptors too.
   * @default 1000
   */
  readonly maxConnections?: number;
}

/** How often Node checks requests and headers against their timeouts. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** Fastify (and node:http) server options enforcing the request, headers and keep-alive timeouts. */
export function httpServerOptions(limits: HttpLimits = {}): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions } {
  const requestTimeout = limits.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(limits.headersTimeoutMs ?? 10_000, requestTimeout);
  return {
    requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? 72_000,
    http: { requestTimeout, headersTimeout, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
  };
}

/**
 * Caps open connections, and keeps accept failures from killing the process. (When descriptors
 * run out, libuv drops the pending connections itself; other accept failures, such as ENOBUFS or
 * ENOMEM, reach the server as `error`, which nobody listens to once it is listening.) Such
 * failures are logged at most every 10 s.
 */
export function boundConnections(server: Server, limits: HttpLimits, logger: Logger | false, onDrop?: () => void): void {
  server.maxConnections = limits.maxConnections ?? 1000;
  if (onDrop) server.on('drop', onDrop);
  let lastLogged = 0;
  let suppressed = 0;
  server.on('error', (error: NodeJS.ErrnoException) => {
    // Errors of listen() itself are Fastify's to report; this handles those of a running server.
    if (!server.listening) return;
    const now = Date.now();
    if (now - lastLogged < 10_000) {
      suppressed += 1;
      return;
    }
    if (logger) logger.error({ err: error, suppressed }, 'the HTTP server failed to accept a connection');
    lastLogged = now;
    suppressed = 0;
  });
}
