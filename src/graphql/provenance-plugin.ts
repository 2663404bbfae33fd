import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './graphql-context.js';

/** Adds the request's provenance to `extensions.contexts`, keyed by response path. */
export function useProvenance(): Plugin<GraphQLContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const { session, provenance } = args.contextValue as Partial<GraphQLContext>;
          if (!session || provenance === false || session.provenance.size === 0 || Symbol.asyncIterator in result) return;
          setResult({
            ...result,
            extensions: { ...result.extensions, contexts: Object.fromEntries(session.provenance) },
          });
        },
      };
    },
  };
}
