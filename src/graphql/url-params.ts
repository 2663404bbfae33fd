import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** GET parameters that GraphQL over HTTP sends as JSON text. */
const JSON_PARAMS = ['variables', 'extensions'] as const;

/**
 * Checks that the JSON-valued parameters of a GET request are JSON objects, before yoga's own
 * parser reads them: it calls `JSON.parse` unguarded, so `?variables={` was a 500. Answers 400
 * `BAD_REQUEST` naming the parameter.
 */
export function useUrlParamsCheck(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'GET') return;
      const query = request.url.indexOf('?');
      if (query === -1) return;
      const params = new URLSearchParams(request.url.slice(query + 1));
      for (const name of JSON_PARAMS) {
        const text = params.get(name);
        if (!text) continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw badParam(name, 'is not valid JSON');
        }
        if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw badParam(name, 'must be a JSON object');
      }
    },
  };
}

function badParam(name: string, problem: string) {
  return createGraphQLError(`The ${name} parameter ${problem}.`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}
