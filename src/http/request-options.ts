import type { FastifyReply } from 'fastify';

/** Header a caller uses to ask for another request deadline (clamped by the store). */
export const DEADLINE_HEADER = 'x-engram-deadline-ms';

type HeaderValue = string | string[] | null | undefined;

/** A header's value, the first when it was sent more than once. */
export function headerValue(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/**
 * The deadline a request asks for, if any. Identity is not read from headers here: the principal
 * comes only from the authenticator (see `authentication.ts`).
 */
export function deadlineFromHeaders(get: (name: string) => HeaderValue): { deadlineMs?: number } {
  const deadline = Number(headerValue(get(DEADLINE_HEADER)));
  return Number.isFinite(deadline) && deadline > 0 ? { deadlineMs: deadline } : {};
}

/** Header a caller sends as `off` to get no `extensions.contexts` in GraphQL answers (REST keeps `meta`: it is part of its schema). */
export const PROVENANCE_HEADER = 'x-engram-provenance';

/** False when the request asks for no provenance; on by default. */
export function provenanceFromHeaders(get: (name: string) => HeaderValue): boolean {
  return headerValue(get(PROVENANCE_HEADER))?.trim().toLowerCase() !== 'off';
}

/** Aborted when the client disconnects before the answer is sent. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
