/** Bytes of a JS string at most (V8 stores one-byte strings in 1 byte per character, others in 2). */
export function stringBytes(text: string): number {
  return 2 * text.length;
}

// Rough V8 costs: an object or array header, and one property slot.
const OBJECT_BYTES = 32;
const SLOT_BYTES = 8;

/**
 * An estimate of the heap a JSON-like value holds (strings at 2 bytes per character, a header
 * per object or array, a slot per property or element). Iterative, so no shape can overflow the
 * stack; shared references are counted once.
 */
export function estimateBytes(value: unknown): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') total += stringBytes(item) + 16;
    else if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') total += SLOT_BYTES;
    else if (item !== null && typeof item === 'object') {
      if (seen.has(item)) continue;
      seen.add(item);
      if (item instanceof Date) {
        total += OBJECT_BYTES;
        continue;
      }
      const entries = Array.isArray(item) ? item : Object.entries(item).flat();
      total += OBJECT_BYTES + SLOT_BYTES * entries.length;
      for (const child of entries) stack.push(child);
    }
  }
  return total;
}
