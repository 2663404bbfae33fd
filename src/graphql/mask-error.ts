import { createGraphQLError, maskError as yogaMaskError, type MaskError } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { BadUserInputError, EngramError } from '../errors/index.js';

/**
 * Engram errors reach clients with their stable code and safe details; everything else is
 * masked by yoga's default (never a stack trace, even with NODE_ENV=development).
 */
export const maskError: MaskError = (error, message) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof EngramError) {
    const extensions: Record<string, unknown> = { code: original.code };
    if (original instanceof BadUserInputError) extensions['invalidArgs'] = original.invalidArgs;
    else if (original.details) Object.assign(extensions, original.details);
    return createGraphQLError(original.message, {
      ...(error instanceof GraphQLError
        ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path }
        : {}),
      extensions,
    });
  }
  return yogaMaskError(error, message, false);
};
