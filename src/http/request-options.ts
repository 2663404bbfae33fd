import { createHash } from 'node:crypto';

/** Header a caller uses to ask for another request deadline (clamped by the store). */
export const DEADLINE_HEADER = 'x-engram-deadline-ms';
/** Header naming the caller (tenant/user) that cached data is scoped to. */
export const PRINCIPAL_HEADER = 'x-engram-principal';

type HeaderValue = string | string[] | null | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/**
 * The store-session options a request carries: its principal (the `x-engram-principal` header,
 * else a hash of its `authorization` header, so two tokens never share cached data) and an
 * optional deadline override.
 */
export function sessionOptionsFromHeaders(get: (name: string) => HeaderValue): { principal?: string; deadlineMs?: number } {
  const principal = first(get(PRINCIPAL_HEADER))
    ?? (() => {
      const auth = first(get('authorization'));
      return auth ? `auth:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}` : undefined;
    })();
  const deadline = Number(first(get(DEADLINE_HEADER)));
  return {
    ...(principal ? { principal } : {}),
    ...(Number.isFinite(deadline) && deadline > 0 ? { deadlineMs: deadline } : {}),
  };
}
