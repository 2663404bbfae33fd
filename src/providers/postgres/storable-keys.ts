import { BadUserInputError, ContractViolationError } from '../../errors/index.js';
import type { OperationSpec } from '../define-provider.js';

const NUL_REASON = 'contains a NUL character (U+0000), which PostgreSQL text cannot hold';

/**
 * The first string of a key that PostgreSQL `text` cannot hold, as `{ field, reason }`, or
 * `undefined`. PostgreSQL rejects U+0000 in text (`invalid byte sequence for encoding "UTF8":
 * 0x00`), and since a batch travels as one statement, one such key would fail every key of it.
 * Keys are scalars or small objects/arrays of scalars; the walk is iterative all the same.
 */
export function unstorableField(key: unknown): { field: string; reason: string } | undefined {
  // Most keys are one string: checked without the walk's allocations.
  if (typeof key === 'string') return key.includes('\u0000') ? { field: 'key', reason: NUL_REASON } : undefined;
  const stack: Array<[string, unknown]> = [['key', key]];
  while (stack.length > 0) {
    const [field, value] = stack.pop() as [string, unknown];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field, reason: NUL_REASON };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push([`${field}.${i}`, item]);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) stack.push([field === 'key' ? name : `${field}.${name}`, item]);
    }
  }
  return undefined;
}

/**
 * Wraps an operation so that a key PostgreSQL cannot hold gets a `BAD_USER_INPUT` error in its
 * own slot while the other keys still load together, as one statement.
 */
export function withStorableKeys<K, V>(operation: OperationSpec<K, V>): OperationSpec<K, V> {
  return {
    ...operation,
    load: async (keys, context) => {
      const rejected = keys.map((key) => unstorableField(key));
      if (rejected.every((r) => r === undefined)) return operation.load(keys, context);
      const storable = keys.filter((_, i) => rejected[i] === undefined);
      const loaded = storable.length > 0 ? await operation.load(storable, context) : [];
      if (loaded.length !== storable.length) return keys.map(() => new ContractViolationError('postgres', 'load', storable.length, loaded.length));
      let next = 0;
      return rejected.map((problem) =>
        problem === undefined
          ? (loaded[next++] as V | Error)
          : new BadUserInputError(`Invalid key: ${problem.field} ${problem.reason}.`, [problem]),
      );
    },
  };
}
