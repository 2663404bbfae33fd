import type { ArgumentInfo, TypeDescriptor } from '../context/index.js';

type QueryValue = string | string[] | undefined;

function coerceScalar(type: TypeDescriptor, raw: string): unknown {
  if (type.kind !== 'scalar') return raw;
  switch (type.scalar) {
    case 'Int':
    case 'Float':
      // Leave non-numbers as strings so validation reports them ("expected number, received string").
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'Boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/**
 * Turns query-string values into typed argument values following each argument's declared type:
 * `?limit=5` → `5`, `?flag=true` → `true`, `?tag=a&tag=b` → `['a', 'b']`. Unknown keys are kept
 * so that validation can name them.
 */
export function coerceQueryArgs(args: readonly ArgumentInfo[], query: Record<string, QueryValue>): Record<string, unknown> {
  const byName = new Map(args.map((a) => [a.name, a.type]));
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const type = byName.get(name);
    if (!type) {
      result[name] = value;
    } else if (type.kind === 'list') {
      const values = Array.isArray(value) ? value : [value];
      result[name] = values.map((v) => coerceScalar(type.of, v));
    } else {
      result[name] = coerceScalar(type, Array.isArray(value) ? (value[value.length - 1] as string) : value);
    }
  }
  return result;
}
