import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PERSISTED_DOCUMENTS_PATH, type PersistedDocumentsManifest } from '../graphql/index.js';

/**
 * `GET /api/v1/persisted-documents.json`: the trusted manifest (`{"sha256:<hex>": "query …"}`), so
 * that agents can pick a document and send only its `documentId`. Answers 304 to a matching ETag.
 */
export function registerPersistedDocumentsRoute(app: FastifyInstance, manifest: PersistedDocumentsManifest): void {
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
  // Query texts only, no data: agents fetch it before they hold a key for a tenant.
  app.get(PERSISTED_DOCUMENTS_PATH, { config: { authentication: 'optional' } }, async (request, reply) => {
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return reply.type('application/json; charset=utf-8').send(body);
  });
}
