import { RedisConnection } from '../redis/index.js';
import type { CacheEntry, ContextCache } from './context-cache.js';

export interface RedisContextCacheOptions {
  /**
   * A connection shared with other users (rate limits), which `close()` leaves open; or `url`,
   * for a connection of the cache's own.
   */
  readonly connection?: RedisConnection;
  readonly url?: string;
  /** @default 'engram:ctx:' */
  readonly prefix?: string;
  /**
   * With `url`: a cache that answers slower than this is treated as a miss.
   * @default 100
   */
  readonly commandTimeoutMs?: number;
}

function parseEntry(raw: string | null): CacheEntry | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as CacheEntry;
  } catch {
    return undefined;
  }
}

/**
 * Redis-backed cache, shared by every Engram instance that points at the same server. Redis is
 * optional here: when it fails or is down, lookups miss and writes are dropped (see
 * `RedisConnection`). Every key is written with a TTL (`PX`), so Redis never holds an entry past
 * its stale-if-error window; run Redis with `maxmemory` and an eviction policy all the same.
 */
export class RedisContextCache implements ContextCache {
  readonly kind = 'redis' as const;
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #owned: boolean;

  constructor(options: RedisContextCacheOptions) {
    this.#prefix = options.prefix ?? 'engram:ctx:';
    this.#owned = options.connection === undefined;
    if (options.connection) {
      this.#connection = options.connection;
      return;
    }
    if (!options.url) throw new RangeError('RedisContextCache needs a url or a connection.');
    this.#connection = new RedisConnection({ url: options.url, ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}) });
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>> {
    if (keys.length === 0) return [];
    const result = await this.#connection.attempt('cache', (redis) => redis.mget(keys.map((k) => this.#prefix + k)));
    return result.ok ? result.value.map(parseEntry) : keys.map(() => undefined);
  }

  async set(key: string, entry: CacheEntry, retainMs: number): Promise<void> {
    // A cache that cannot write only costs a future miss.
    await this.#connection.attempt('cache', (redis) => redis.set(this.#prefix + key, JSON.stringify(entry), 'PX', Math.max(1, Math.round(retainMs))));
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#connection.attempt('cache', (redis) => redis.del(keys.map((k) => this.#prefix + k)));
  }

  /** Resolves once connected (used by readiness and tests). */
  async ping(): Promise<boolean> {
    const result = await this.#connection.attempt('cache', (redis) => redis.ping());
    return result.ok && result.value === 'PONG';
  }

  async close(): Promise<void> {
    if (this.#owned) this.#connection.close();
  }
}
