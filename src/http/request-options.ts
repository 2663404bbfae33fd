/** Header a caller uses to ask for another request deadline (clamped by the store). */
export const DEADLINE_HEADER = 'x-engram-deadline-ms';

type HeaderValue = string | string[] | null | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/**
 * The deadline a request asks for, if any. Identity is not read from headers here: the principal
 * comes only from the authenticator (see `authentication.ts`).
 */
export function deadlineFromHeaders(get: (name: string) => HeaderValue): { deadlineMs?: number } {
  const deadline = Number(first(get(DEADLINE_HEADER)));
  return Number.isFinite(deadline) && deadline > 0 ? { deadlineMs: deadline } : {};
}

/** Header a caller sends as `off` to get no `extensions.contexts` in GraphQL answers (REST keeps `meta`: it is part of its schema). */
export const PROVENANCE_HEADER = 'x-engram-provenance';

/** False when the request asks for no provenance; on by default. */
export function provenanceFromHeaders(get: (name: string) => HeaderValue): boolean {
  return first(get(PROVENANCE_HEADER))?.trim().toLowerCase() !== 'off';
}
