import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses at validation an operation whose root type the schema lacks (a mutation here), in
 * graphql-js's own words. graphql-js 16 finds this only when it executes — a 200 with
 * `"data": null` — although the request cannot run at all: validation makes it a 400 and keeps
 * it out of the compiled path.
 */
export const OperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`Schema is not configured to execute ${node.operation} operation.`, { nodes: node }));
    }
  },
});

export function useOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(OperationTypesRule);
    },
  };
}
