/**
 * Puts rows back in key order: one slot per key, `missing` where no row matched.
 * Duplicated keys each get the row.
 */
export function resultsByKey<K, R, V>(
  keys: readonly K[],
  rows: readonly R[],
  keyId: (key: K) => string,
  rowKeyId: (row: R) => string,
  toValue: (row: R) => V,
  missing: V,
): V[] {
  const index = new Map<string, V>();
  for (const row of rows) index.set(rowKeyId(row), toValue(row));
  return keys.map((key) => {
    const id = keyId(key);
    const value = index.get(id);
    return value !== undefined || index.has(id) ? (value as V) : missing;
  });
}

/**
 * Groups rows by the 1-based ordinal of the key they belong to (as produced by
 * `unnest(...) with ordinality`), giving one list per key in key order.
 */
export function groupByOrdinal<R extends { readonly ord: number | string }, V>(
  keyCount: number,
  rows: readonly R[],
  toValue: (row: R) => V,
): V[][] {
  const groups: V[][] = Array.from({ length: keyCount }, () => []);
  for (const row of rows) groups[Number(row.ord) - 1]?.push(toValue(row));
  return groups;
}

/**
 * Runs `fn` over keys with at most `limit` in flight, collecting a result or an `Error` per key.
 * Used by providers without a batch endpoint (Zep).
 */
export async function mapConcurrent<K, V>(
  keys: readonly K[],
  limit: number,
  fn: (key: K) => Promise<V>,
): Promise<Array<V | Error>> {
  const results: Array<V | Error> = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      try {
        results[i] = await fn(keys[i] as K);
      } catch (error) {
        results[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), keys.length) }, worker));
  return results;
}
