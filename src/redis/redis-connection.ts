import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { errorMessage } from '../errors/index.js';

/** What a Redis command was for, as counted when it failed open. */
export type RedisUse = 'cache' | 'rateLimit';

export interface RedisConnectionOptions {
  /** `redis://…` or `rediss://…` */
  readonly url: string;
  /**
   * A command that has not answered after this long fails (and fails open): a cache lookup is a
   * miss, a rate-limit count is skipped.
   * @default 100
   */
  readonly commandTimeoutMs?: number;
  /**
   * Bound on establishing a connection; reconnection attempts follow at most 1 s apart, so the
   * connection comes back within about a second of Redis accepting connections again.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
  /** Transitions (up → down, down → up) are logged once each; never per request. */
  readonly logger?: Logger | false;
}

/** The result of `attempt`: the command's value, or `ok: false` when it failed open. */
export type RedisAttempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

type State = 'unknown' | 'up' | 'down';

// Failed commands in a row, on a connection that looks open, before Redis counts as down: one
// slow answer (a busy event loop) is not an outage and must not flap the state.
const FAILURES_BEFORE_DOWN = 3;

/** ioredis, required on the first connection: a deployment without Redis never loads it. */
function redisClass(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
}

/**
 * The Redis connection shared by the cross-request cache and the rate limiter, which both treat
 * Redis as optional: a command that fails or times out fails open (and is counted), and while the
 * connection is known to be down commands are not sent at all, so an outage costs requests no
 * time. The state follows both the connection (`ready`, `close`) and command outcomes (a hung
 * server keeps its socket but answers nothing); it recovers by itself when Redis returns.
 */
export class RedisConnection {
  readonly client: Redis;
  #state: State = 'unknown';
  #failures = 0;
  readonly #logger: Logger | undefined;
  readonly #stateListeners: Array<(up: boolean) => void> = [];
  readonly #failOpenListeners: Array<(use: RedisUse) => void> = [];

  constructor(options: RedisConnectionOptions) {
    this.#logger = options.logger ? options.logger.child({ component: 'redis' }) : undefined;
    const RedisClient = redisClass();
    this.client = new RedisClient(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 100,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      // Commands are never retried: the caller has a fallback and a request is waiting.
      maxRetriesPerRequest: 0,
      // Commands issued before the first connection wait for it (bounded by commandTimeout);
      // after a loss, `attempt` stops sending until the connection is ready again.
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(100 * times, 1000),
    });
    this.client.on('ready', () => {
      this.#failures = 0;
      this.#transition('up');
    });
    this.client.on('close', () => {
      if (this.#state === 'up') this.#transition('down', 'connection closed');
    });
    // Failures surface through commands and transitions; the client reconnects by itself.
    this.client.on('error', () => {});
  }

  /** False while Redis is known to be unreachable. */
  get up(): boolean {
    return this.#state !== 'down';
  }

  /** Called on every transition: `true` when Redis became usable, `false` when it stopped. */
  onStateChange(listener: (up: boolean) => void): void {
    this.#stateListeners.push(listener);
  }

  /** Called for every command that failed open (or was not sent because Redis is down). */
  onFailOpen(listener: (use: RedisUse) => void): void {
    this.#failOpenListeners.push(listener);
  }

  /** Runs a command unless Redis is known to be down; never rejects. */
  async attempt<T>(use: RedisUse, command: (client: Redis) => Promise<T>): Promise<RedisAttempt<T>> {
    if (this.#state === 'down' && this.client.status !== 'ready') return this.#failOpen(use);
    try {
      const value = await command(this.client);
      this.#failures = 0;
      this.#transition('up');
      return { ok: true, value };
    } catch (error) {
      this.#failures += 1;
      if (this.#failures >= FAILURES_BEFORE_DOWN || this.client.status !== 'ready') {
        this.#transition('down', errorMessage(error));
      }
      return this.#failOpen(use);
    }
  }

  close(): void {
    this.client.disconnect();
  }

  #failOpen(use: RedisUse): RedisAttempt<never> {
    for (const listener of this.#failOpenListeners) listener(use);
    return { ok: false };
  }

  #transition(next: 'up' | 'down', reason?: string): void {
    if (this.#state === next) return;
    const previous = this.#state;
    this.#state = next;
    if (next === 'down') {
      this.#logger?.warn({ reason }, 'Redis is unavailable: cache lookups miss and rate limits are skipped until it returns');
    } else if (previous === 'down') {
      this.#logger?.info('Redis is available again');
    }
    for (const listener of this.#stateListeners) listener(next === 'up');
  }
}
