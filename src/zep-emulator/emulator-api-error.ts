import type { z } from 'zod';

/**
 * An error the emulator answers with `statusCode` and Zep's error body `{ message }`.
 * @internal
 */
export class EmulatorApiError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'EmulatorApiError';
    this.statusCode = statusCode;
  }
}

export function notFound(kind: 'user' | 'thread' | 'graph', id: string): EmulatorApiError {
  return new EmulatorApiError(404, `${kind} not found: "${id}"`);
}

export function alreadyExists(kind: 'user' | 'thread' | 'graph', id: string): EmulatorApiError {
  return new EmulatorApiError(400, `${kind} already exists: "${id}"`);
}

/** A zod `error` option answering "must be <description>, received <input>". */
export function mustBe(description: string): { error: (issue: { readonly input?: unknown }) => string } {
  return { error: (issue) => `must be ${description}, received ${JSON.stringify(issue.input)}` };
}

/** A zod `error` option for strict objects naming the rejected keys and the accepted ones. */
export function onlyKeys(
  known: readonly string[],
  wording: { readonly rejected: string; readonly accepted: string } = { rejected: 'unknown key(s)', accepted: 'expected' },
): { error: (issue: z.core.$ZodRawIssue) => string | undefined } {
  return {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${wording.rejected} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; ${wording.accepted} ${known.join(', ')}`
        : undefined,
  };
}

/** `limit: must be at most 50, received 51; query: Invalid input: expected string, received undefined` */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Parses `input` with `schema` or throws a 400 naming the part of the request that was wrong. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, part: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new EmulatorApiError(400, `invalid request ${part}: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}
