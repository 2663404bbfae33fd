import type { FastifyInstance } from 'fastify';
import type { FastifyReply } from 'fastify';
import type { GraphiQLPage, GraphQLHandler } from '../graphql/index.js';
import { sendStaticFile } from './graphiql-route.js';
import { deadlineFromHeaders, headerValue, provenanceFromHeaders } from './request-options.js';
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

/** Content types yoga streams (event streams, multipart): everything else is sent as one string. */
const STREAMED = /^(text\/event-stream|multipart\/)/;

/** An AbortSignal that fires when the client goes away before its answer is written. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const raw = reply.raw;
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Mounts GraphQL on Fastify: GraphQL over HTTP (GET/POST) and GraphiQL on browser GETs. Every
 * operation needs a verified principal; only GraphiQL's page itself (static, no data) loads without
 * one. A JSON POST of a query document seen before runs compiled, straight from Fastify's parsed
 * body; everything else goes through yoga's full pipeline, its answer sent as one string.
 */
export function registerGraphQLRoute(app: FastifyInstance, graphql: GraphQLHandler, options: { graphiql: GraphiQLPage | undefined }): void {
  const { yoga, compiled } = graphql;
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
      const { deadlineMs } = deadlineFromHeaders((h) => request.headers[h]);
      const provenance = provenanceFromHeaders((h) => request.headers[h]);
      let compileKey: string | undefined;
      if (compiled && request.method === 'POST' && request.principal) {
        const answer = await compiled.respond({
          body: request.body,
          accept: headerValue(request.headers.accept),
          origin: headerValue(request.headers.origin),
          corsRequestHeaders: request.headers['access-control-request-method'] !== undefined || request.headers['access-control-request-headers'] !== undefined,
          principal: request.principal,
          requestId: request.id,
          deadlineMs,
          provenance,
          signal: disconnectSignal(reply),
        });
        if (answer && 'body' in answer) return reply.status(answer.status).headers(answer.headers).send(answer.body);
        compileKey = answer?.compileKey;
      }
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {
        principal: request.principal,
        requestId: request.id,
        provenance,
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
        ...(compileKey === undefined ? {} : { compileKey }),
      });
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      const missing = response.body ? undefined : BODIES_FOR_BODILESS[response.status];
      if (missing !== undefined) return reply.type('application/json; charset=utf-8').send(httpErrorBody(httpErrorCode(response.status), missing));
      // A bodiless answer (406) must stay bodiless rather than become the JSON text `null`.
      if (!response.body) return reply.send(undefined);
      // One string rather than a stream: piping yoga's body costs about 100 µs a request.
      return reply.send(STREAMED.test(response.headers.get('content-type') ?? '') ? response.body : await response.text());
    },
  });
}
