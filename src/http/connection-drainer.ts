import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

interface Connection {
  /** Requests in progress on the connection. */
  busy: number;
  /** When it last became idle (accepted, or its last response done), `performance.now()` ms. */
  idleSince: number;
}

/** How often a drain looks at the remaining connections. */
const POLL_MS = 25;

/**
 * Shutdown without refusing what was accepted. Node's `server.close()` destroys every idle
 * keep-alive connection at once, so a client that sends its next request on one at that moment
 * sees a reset. Instead, once draining: every response says `Connection: close` (the client opens
 * a new connection for its next request, and Node closes this one after the response); the
 * listener stops accepting; connections busy with a request finish it; and a connection is closed
 * by the server only after it has been idle for a grace period, when its client is not in the
 * middle of using it.
 */
export class ConnectionDrainer {
  readonly #server: Server;
  readonly #connections = new Map<Socket, Connection>();
  #draining = false;

  constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      this.#connections.set(socket, { busy: 0, idleSince: performance.now() });
      socket.once('close', () => this.#connections.delete(socket));
    });
    // First listener, so the header is set before any route could have answered.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const connection = this.#connections.get(request.socket);
      if (this.#draining && !response.headersSent) response.setHeader('connection', 'close');
      if (!connection) return;
      connection.busy += 1;
      response.once('close', () => {
        connection.busy -= 1;
        connection.idleSince = performance.now();
      });
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Open connections (tests and logs). */
  get connections(): number {
    return this.#connections.size;
  }

  /** From now on every response closes its connection. */
  start(): void {
    this.#draining = true;
  }

  /**
   * Stops accepting connections and resolves once every connection is closed: busy ones after
   * their response, idle ones after `idleGraceMs` of idleness.
   */
  async drain(idleGraceMs: number): Promise<void> {
    this.start();
    // net.Server's close stops the listener only (its callback would wait for every connection);
    // http.Server's would also destroy idle keep-alive connections at once: the race avoided here.
    if (this.#server.listening) NetServer.prototype.close.call(this.#server);
    while (this.#connections.size > 0) {
      const now = performance.now();
      for (const [socket, connection] of this.#connections) {
        if (connection.busy === 0 && now - connection.idleSince >= idleGraceMs && !socket.writableEnded) {
          socket.end();
          // A client that never reads our FIN must not hold the shutdown.
          setTimeout(() => socket.destroy(), 1000).unref();
        }
      }
      await sleep(POLL_MS);
    }
  }
}
