import { describe, expect, it } from 'vitest';
import { byteBoundedLru, estimateBytes, MAX_ENTRY_SHARE, stringBytes } from '../../src/cache/index.js';

describe('byteBoundedLru', () => {
  it('keeps the summed size within maxBytes, evicting the least recently used', () => {
    const lru = byteBoundedLru<string, string>({ maxBytes: 10_000, sizeOf: (value) => stringBytes(value) });
    for (let i = 0; i < 100; i++) {
      lru.set(`k${i}`, 'x'.repeat(400));
      expect(lru.calculatedSize).toBeLessThanOrEqual(10_000);
    }
    expect(lru.size).toBe(12);
    expect(lru.has('k99')).toBe(true);
    expect(lru.has('k0')).toBe(false);
  });

  it('refuses an entry larger than its share of the cache, without evicting anything', () => {
    const lru = byteBoundedLru<string, string>({ maxBytes: 8000, sizeOf: (value) => stringBytes(value) });
    lru.set('small', 'x'.repeat(100));
    lru.set('huge', 'x'.repeat((8000 * MAX_ENTRY_SHARE) / 2 + 1));
    expect(lru.has('huge')).toBe(false);
    expect(lru.has('small')).toBe(true);
    expect(lru.calculatedSize).toBe(200);
  });

  it('also bounds the number of entries when asked', () => {
    const lru = byteBoundedLru<string, string>({ maxBytes: 1_000_000, maxEntries: 3, sizeOf: () => 1 });
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, 'v');
    expect(lru.size).toBe(3);
  });
});

describe('estimateBytes', () => {
  it('grows with the strings and structure a value holds', () => {
    const small = estimateBytes({ id: 'u1' });
    const large = estimateBytes({ id: 'u1', facts: Array.from({ length: 100 }, (_, i) => ({ fact: `fact number ${i}`.repeat(10) })) });
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(100 * 2 * 'fact number 10'.length * 10);
  });

  it('walks deep and cyclic values without recursion', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(estimateBytes(deep)).toBeGreaterThan(100_000);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    expect(estimateBytes(cyclic)).toBeGreaterThan(0);
  });
});
