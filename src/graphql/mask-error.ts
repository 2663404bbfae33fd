import { createGraphQLError, maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { BadUserInputError, EngramError } from '../errors/index.js';

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
  const extensions: Record<string, unknown> = { code: original.code };
  if (original instanceof BadUserInputError) extensions['invalidArgs'] = original.invalidArgs;
  else if (original.details) Object.assign(extensions, original.details);
  const located = error as Partial<GraphQLError>;
  return createGraphQLError(original.message, {
    ...(located.nodes ? { nodes: located.nodes } : {}),
    ...(located.source ? { source: located.source } : {}),
    ...(located.positions ? { positions: located.positions } : {}),
    ...(located.path ? { path: located.path } : {}),
    extensions,
  });
};
