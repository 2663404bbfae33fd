import { LRUCache } from 'lru-cache';

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
 * The cross-request cache. Keys are built by the store (never by definitions) and include every
 * scope of the data: definition, arguments and, unless the definition is public, the principal.
 */
export interface ContextCache {
  readonly kind: 'memory' | 'redis';
  /** One lookup for many keys (one round trip for Redis); a failure means "not cached". */
  getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>>;
  /** Keeps the entry for `retainMs` (TTL plus the stale-if-error window). */
  set(key: string, entry: CacheEntry, retainMs: number): Promise<void>;
  close(): Promise<void>;
}

/** In-process LRU cache; the default when no `REDIS_URL` is set. */
export class MemoryContextCache implements ContextCache {
  readonly kind = 'memory' as const;
  readonly #lru: LRUCache<string, CacheEntry>;

  /** @param maxEntries @default 10000 */
  constructor(maxEntries = 10_000) {
    this.#lru = new LRUCache<string, CacheEntry>({ max: maxEntries, ttlAutopurge: false });
  }

  async getMany(keys: readonly string[]): Promise<ReadonlyArray<CacheEntry | undefined>> {
    return keys.map((key) => this.#lru.get(key));
  }

  async set(key: string, entry: CacheEntry, retainMs: number): Promise<void> {
    this.#lru.set(key, entry, { ttl: retainMs });
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
