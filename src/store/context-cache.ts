import type { LRUCache } from 'lru-cache';
import { byteBoundedLru, estimateBytes, stringBytes } from '../cache/index.js';

/** A context value as kept by the cross-request cache. */
export interface CacheEntry {
  readonly value: unknown;
  /** Epoch ms when the value was fetched. */
  readonly storedAt: number;
  /** Provider and operation that produced it (for provenance). */
  readonly provider: string;
  readonly operation: string;
}

/**
 * The cross-request cache. Keys are built by the store only (`contextCacheKey`), from the verified
 * tenant, the definition, a hash of the arguments and, for `scope: 'subject'`, the caller's subject.
 */
export interface ContextCache {
  readonly kind: 'memory' | 'redis';
  /** One lookup for many keys (one round trip for Redis); a failure means "not cached". */
  getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>>;
  /** Keeps the entry for `retainMs` (TTL plus the stale-if-error window). */
  set(key: string, entry: CacheEntry, retainMs: number): Promise<void>;
  /** Drops entries (after a write made them stale); a failure only leaves them to expire. */
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface MemoryContextCacheOptions {
  /** @default 10000 */
  readonly maxEntries?: number;
  /**
   * Bound on the estimated bytes of all entries (keys and values); an entry over 1/8 of it is not stored.
   * @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number;
}

/** In-process LRU cache, bounded by entries and by bytes; the default when no `REDIS_URL` is set. */
export class MemoryContextCache implements ContextCache {
  readonly kind = 'memory' as const;
  readonly #lru: LRUCache<string, CacheEntry>;

  constructor(options: MemoryContextCacheOptions = {}) {
    this.#lru = byteBoundedLru<string, CacheEntry>({
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
      maxEntries: options.maxEntries ?? 10_000,
      sizeOf: (entry, key) => stringBytes(key) + estimateBytes(entry.value) + 64,
    });
  }

  /** Entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Estimated bytes held; at most `maxBytes`. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>> {
    return keys.map((key) => this.#lru.get(key));
  }

  async set(key: string, entry: CacheEntry, retainMs: number): Promise<void> {
    this.#lru.set(key, entry, { ttl: retainMs });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#lru.delete(key);
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
