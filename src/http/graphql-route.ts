import type { FastifyInstance } from 'fastify';
import type { GraphiQLPage, GraphQLHandler } from '../graphql/index.js';
import { sendStaticFile } from './graphiql-route.js';
import { deadlineFromHeaders } from './request-options.js';
import { httpErrorBody, httpErrorCode } from './error-responses.js';

/** Bodies for yoga's bodiless errors; 406 stays bodiless: its client accepts none of our types. */
const BODIES_FOR_BODILESS: Readonly<Record<number, string>> = {
  415: 'Unsupported content-type: send application/json.',
};

/** What a browser sees at `/graphql` when GraphiQL is off (persisted-only mode), instead of an empty 406. */
const PERSISTED_ONLY_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Engram: persisted documents only</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Engram serves persisted documents only</h1>
<p>This server runs with <code>PERSISTED_ONLY=true</code>: it executes only the documents of its manifest, so
GraphiQL (which sends query text) is turned off.</p>
<p>Fetch the manifest at <a href="/api/v1/persisted-documents.json"><code>/api/v1/persisted-documents.json</code></a>
and send a document's id: <code>{"documentId": "sha256:…", "variables": {…}}</code>, with
<code>Authorization: Bearer &lt;token&gt;</code>.</p>
</body></html>
`;

const wantsPage = (method: string, accept: string | undefined): boolean => method === 'GET' && (accept ?? '').includes('text/html');

/**
 * Mounts yoga on Fastify: GraphQL over HTTP (GET/POST) and GraphiQL on browser GETs. Every operation
 * needs a verified principal; only GraphiQL's page itself (static, no data) loads without one.
 */
export function registerGraphQLRoute(app: FastifyInstance, yoga: GraphQLHandler, options: { graphiql: GraphiQLPage | undefined }): void {
  app.route({
    url: yoga.graphqlEndpoint,
    // PUT, PATCH and DELETE reach yoga so that it answers 405 with `Allow: GET, POST` (GraphQL over HTTP).
    method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
    config: {
      graphqlErrors: true,
      // GraphiQL's page for a browser GET (Accept: text/html); CORS preflights carry no credentials.
      authentication: (request) =>
        request.method === 'OPTIONS' || wantsPage(request.method, request.headers.accept) ? 'optional' : 'required',
    },
    handler: async (request, reply) => {
      if (wantsPage(request.method, request.headers.accept)) {
        if (options.graphiql) return sendStaticFile(request, reply, await options.graphiql.page());
        return reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PERSISTED_ONLY_PAGE);
      }
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {
        principal: request.principal,
        requestId: request.id,
        ...deadlineFromHeaders((h) => request.headers[h]),
      });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      const missing = response.body ? undefined : BODIES_FOR_BODILESS[response.status];
      if (missing !== undefined) return reply.type('application/json; charset=utf-8').send(httpErrorBody(httpErrorCode(response.status), missing));
      // A bodiless answer (406) must stay bodiless rather than become the JSON text `null`.
      reply.send(response.body ?? undefined);
      return reply;
    },
  });
}
