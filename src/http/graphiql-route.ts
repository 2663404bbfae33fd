import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphiQLPage, StaticFile } from '../graphql/index.js';
import { httpErrorBody } from './error-responses.js';

/** The encoding to send: brotli, else gzip, else none (an encoding with `q=0` is refused). */
export function negotiateEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (name !== '' && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/** Whether `If-None-Match` names the file's validator (weak comparison, as RFC 9110 asks for it). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === opaque;
  });
}

/** Sends a file compressed as the client accepts, or 304 when its copy is current. */
export async function sendStaticFile(request: FastifyRequest, reply: FastifyReply, file: StaticFile): Promise<FastifyReply> {
  reply.header('etag', file.etag).header('cache-control', file.cacheControl).header('vary', 'Accept-Encoding');
  if (notModified(request.headers['if-none-match'], file.etag)) return reply.status(304).send();
  reply.status(200).type(file.contentType);
  const encoding = negotiateEncoding(request.headers['accept-encoding']);
  if (encoding === 'identity') return reply.send(await file.identity());
  return reply.header('content-encoding', encoding).send(encoding === 'br' ? file.br : file.gzip);
}

/** GraphiQL's scripts, styles and workers, by hashed name; no credentials needed (static, no data). */
export function registerGraphiQLAssets(app: FastifyInstance, page: GraphiQLPage): void {
  app.get<{ Params: { file: string } }>(`${page.assetsPath}/:file`, { config: { authentication: 'optional' } }, async (request, reply) => {
    const file = await page.asset(request.params.file);
    if (!file) return reply.status(404).type('application/json; charset=utf-8').send(httpErrorBody('NOT_FOUND', `No GraphiQL asset named "${request.params.file}".`));
    return sendStaticFile(request, reply, file);
  });
}
