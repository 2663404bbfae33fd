import { Redis } from 'ioredis';
import type { CacheEntry, ContextCache } from './context-cache.js';

export interface RedisContextCacheOptions {
  /** A server to connect to, or `client`: a connection shared with other users (rate limits), which `close()` leaves open. */
  readonly url?: string;
  readonly client?: Redis;
  /** @default 'engram:ctx:' */
  readonly prefix?: string;
  /**
   * A cache that answers slower than this is treated as a miss.
   * @default 100
   */
  readonly commandTimeoutMs?: number;
}

/** Redis-backed cache, shared by every Engram instance that points at the same server. */
export class RedisContextCache implements ContextCache {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #owned: boolean;

  constructor(options: RedisContextCacheOptions) {
    this.#prefix = options.prefix ?? 'engram:ctx:';
    this.#owned = options.client === undefined;
    if (options.client) {
      this.#redis = options.client;
      return;
    }
    if (!options.url) throw new RangeError('RedisContextCache needs a url or a client.');
    this.#redis = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 100,
      maxRetriesPerRequest: 1,
      // Commands wait for the connection (bounded by commandTimeout), so the first ones are not lost.
      enableOfflineQueue: true,
    });
    // Errors surface per command (treated as misses); the client reconnects by itself.
    this.#redis.on('error', () => {});
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>> {
    if (keys.length === 0) return [];
    try {
      const raw = await this.#redis.mget(keys.map((k) => this.#prefix + k));
      return raw.map((r) => (r === null ? undefined : (JSON.parse(r) as CacheEntry)));
    } catch {
      return keys.map(() => undefined);
    }
  }

  async set(key: string, entry: CacheEntry, retainMs: number): Promise<void> {
    try {
      await this.#redis.set(this.#prefix + key, JSON.stringify(entry), 'PX', Math.max(1, Math.round(retainMs)));
    } catch {
      // A cache that cannot write only costs a future miss.
    }
  }

  /** Resolves once connected (used by readiness and tests). */
  async ping(): Promise<boolean> {
    try {
      return (await this.#redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#owned) this.#redis.disconnect();
  }
}
