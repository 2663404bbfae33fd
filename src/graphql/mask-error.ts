import { createGraphQLError, maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { EngramError, toClientError } from '../errors/index.js';

/** The EngramError behind a (possibly located) error, if any. */
function engramErrorOf(error: unknown): EngramError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof EngramError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * Engram errors reach clients with their stable code and safe details; everything else is
 * masked by yoga's default (never a stack trace, even with NODE_ENV=development).
 */
export const maskError: MaskError = (error, message) => {
  const original = engramErrorOf(error);
  if (!original) return yogaMaskError(error, message, false);
  const client = toClientError(original);
  const extensions: Record<string, unknown> = { code: client.code, ...client.details };
  const located = error as Partial<GraphQLError>;
  return createGraphQLError(client.message, {
    ...(located.nodes ? { nodes: located.nodes } : {}),
    ...(located.source ? { source: located.source } : {}),
    ...(located.positions ? { positions: located.positions } : {}),
    ...(located.path ? { path: located.path } : {}),
    extensions,
  });
};
