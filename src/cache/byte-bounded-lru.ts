import { LRUCache } from 'lru-cache';

/** An entry larger than this share of its cache's byte limit is never stored. */
export const MAX_ENTRY_SHARE = 1 / 8;

export interface ByteBoundedLruOptions<K extends {}, V extends {}> {
  /** Upper bound of the summed sizes of the entries; least recently used entries are evicted first. */
  readonly maxBytes: number;
  /** Estimated bytes an entry holds (key included). */
  readonly sizeOf: (value: V, key: K) => number;
  /** Most entries, on top of the byte bound. @default unbounded */
  readonly maxEntries?: number;
  /** Default time to live of an entry, in ms. @default none */
  readonly ttlMs?: number;
}

/**
 * An LRU cache bounded by bytes rather than entries, so that a few huge entries cannot take the
 * memory that thousands of normal ones would: the summed `sizeOf` stays at most `maxBytes`, and
 * an entry bigger than `maxBytes × MAX_ENTRY_SHARE` is refused (`set` stores nothing).
 */
export function byteBoundedLru<K extends {}, V extends {}>(options: ByteBoundedLruOptions<K, V>): LRUCache<K, V> {
  const maxSize = Math.max(1, Math.floor(options.maxBytes));
  return new LRUCache<K, V>({
    maxSize,
    maxEntrySize: Math.max(1, Math.floor(maxSize * MAX_ENTRY_SHARE)),
    // lru-cache refuses sizes below 1.
    sizeCalculation: (value, key) => Math.max(1, Math.ceil(options.sizeOf(value, key))),
    ...(options.maxEntries ? { max: options.maxEntries } : {}),
    ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
  });
}
