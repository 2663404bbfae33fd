import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Codes of errors that the HTTP layer answers itself (before any surface sees the request). */
export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_ACCEPTABLE'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_OVERLOADED';

/** The one shape of every error body outside GraphQL responses: `{"error":{"code","message"}}`. */
export interface HttpErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

const CODE_BY_STATUS: Readonly<Record<number, HttpErrorCode>> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_OVERLOADED',
};

/** The code of an HTTP status: its own for the common ones, `BAD_REQUEST` for other 4xx. */
export function httpErrorCode(status: number): HttpErrorCode {
  return CODE_BY_STATUS[status] ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR');
}

export function httpErrorBody(code: string, message: string): HttpErrorBody {
  return { error: { code, message } };
}

// Fastify's own messages, where they say what was wrong in a way a client can act on.
const MESSAGE_BY_FASTIFY_CODE: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but its content-type says JSON.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content-type: send application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The content-length header does not match the body.',
};

/** A body an error carries already in our shape (the rate limiter throws these). */
function ownBody(error: unknown): HttpErrorBody | undefined {
  const body = (error as { error?: unknown } | null)?.error;
  if (!body || typeof body !== 'object') return undefined;
  const { code, message } = body as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? httpErrorBody(code, message) : undefined;
}

/**
 * Every error Fastify answers itself — body parsing (400, 413, 415), unknown routes (404),
 * the rate limiter (429) and anything unexpected (500) — uses the same JSON body as the rest of
 * the API. Unexpected errors are logged with their cause and masked for the client.
 */
export function registerErrorResponses(app: FastifyInstance, bodyLimit: number): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(httpErrorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const thrown: unknown = error;
    const declared = (thrown as { statusCode?: unknown }).statusCode;
    const status = typeof declared === 'number' && declared >= 400 && declared < 600 ? declared : 500;
    if (status >= 500) {
      request.log.error({ err: thrown }, 'unexpected error while handling a request');
      return reply.status(status).send(httpErrorBody(httpErrorCode(status), 'Unexpected error.'));
    }
    const own = ownBody(thrown);
    if (own) return reply.status(status).send(own);
    const code = httpErrorCode(status);
    const message = MESSAGE_BY_FASTIFY_CODE[error.code] ?? (code === 'PAYLOAD_TOO_LARGE' ? `The request body is larger than ${bodyLimit} bytes.` : error.message);
    return reply.status(status).send(httpErrorBody(code, message));
  });
}

/**
 * Fastify's router errors (a malformed percent-encoding, a path parameter over the length limit),
 * which never reach the error handler: same body, and no echo of the (possibly huge) URL.
 */
export function frameworkErrorResponse(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const message = status === 414 ? 'A path segment is too long.' : 'The URL is malformed.';
  void reply.status(status).send(httpErrorBody(httpErrorCode(status), message));
}

/**
 * Errors of the HTTP parser itself (garbage, headers over the size limit, a request timeout),
 * answered on the raw socket: our JSON body, and `Connection: close`, since the socket is closed
 * after it. (Fastify's default answer omits it, so a keep-alive client reuses the connection and
 * its next request is reset.) The socket is ended rather than destroyed, so the answer is read.
 */
export function clientErrorResponse(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message =
    status === 408 ? 'The request did not arrive in time.' : status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.';
  const body = JSON.stringify(httpErrorBody(httpErrorCode(status), message));
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  // A client that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
