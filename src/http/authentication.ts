import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Authenticator, Principal } from '../auth/index.js';
import { EngramError, restErrorBody, ServiceUnavailableError, toClientError, UnauthenticatedError } from '../errors/index.js';

/** Whether a route needs a verified principal; a function decides per request (GraphiQL's page). */
export type AuthenticationRequirement = 'required' | 'optional' | ((request: FastifyRequest) => 'required' | 'optional');

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set once per request by the authenticator; absent when not authenticated. */
    principal: Principal | undefined;
    /** Why the request is not authenticated (missing or refused credentials, key store down). */
    authFailure: EngramError | undefined;
  }
  interface FastifyContextConfig {
    /** @default 'required' (secure by default: a route opts out, never in) */
    authentication?: AuthenticationRequirement;
    /** Errors of this route are GraphQL-shaped (`{"errors":[…]}`). */
    graphqlErrors?: boolean;
  }
}

/** `WWW-Authenticate` per RFC 6750: a bare challenge when nothing was sent, `invalid_token` otherwise. */
function challenge(request: FastifyRequest, error: EngramError): string {
  if (request.headers.authorization === undefined) return 'Bearer realm="engram"';
  // A header value is ASCII without quotes or control characters.
  const description = error.message.replaceAll('"', "'").replace(/[^\x20-\x7e]/g, '?');
  return `Bearer realm="engram", error="invalid_token", error_description="${description}"`;
}

/** Answers an authentication failure in the route's error shape. */
export function sendAuthFailure(request: FastifyRequest, reply: FastifyReply, error: EngramError): FastifyReply {
  const client = toClientError(error);
  reply.status(client.status);
  if (error instanceof UnauthenticatedError) reply.header('www-authenticate', challenge(request, error));
  else reply.header('retry-after', '5');
  if (request.routeOptions.config.graphqlErrors) {
    const accept = request.headers.accept ?? '';
    reply.type(accept.includes('application/graphql-response+json') ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8');
    return reply.send({ errors: [{ message: client.message, extensions: { code: client.code } }] });
  }
  return reply.send(restErrorBody(client));
}

/**
 * Verifies the credentials of every request once, before rate limiting (which keys on the principal)
 * and routing. A failure is remembered, not answered: routes that require a principal answer it
 * after the rate limiter has counted the attempt (see {@link requireAuthentication}).
 */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authFailure', undefined);
  const failed = (request: FastifyRequest, error: unknown): void => {
    request.authFailure = error instanceof EngramError ? error : new ServiceUnavailableError('Credentials cannot be checked right now; retry later.', { cause: error });
    if (!(error instanceof EngramError)) request.log.error({ err: error }, 'authentication failed unexpectedly');
  };
  // Callback style: a principal known at once (a cached API key) costs no promise and no tick.
  app.addHook('onRequest', (request, _reply, done) => {
    const authorization = request.headers.authorization;
    try {
      const now = authenticator.authenticateNow(authorization);
      if (now) {
        request.principal = now;
        done();
        return;
      }
    } catch (error) {
      failed(request, error);
      done();
      return;
    }
    authenticator.authenticate(authorization).then(
      (principal) => {
        request.principal = principal;
        done();
      },
      (error: unknown) => {
        failed(request, error);
        done();
      },
    );
  });
}

/**
 * Adds a route-level `preHandler` that answers 401 (or 503 when credentials cannot be checked) to
 * every route registered after it in this context, unless the route's `authentication` config says
 * `optional`. Route-level hooks run after the rate limiter's, so refused attempts are counted.
 */
export function requireAuthentication(routes: FastifyInstance): void {
  const guard = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const requirement = request.principal ? 'optional' : (request.routeOptions.config.authentication ?? 'required');
    if ((typeof requirement === 'function' ? requirement(request) : requirement) === 'optional') {
      done();
      return;
    }
    // Answered here: Fastify ends the request once the reply is sent, so `done` is not called.
    sendAuthFailure(request, reply, request.authFailure ?? new UnauthenticatedError('Authentication required.'));
  };
  routes.addHook('onRoute', (route: RouteOptions) => {
    route.preHandler = [...(Array.isArray(route.preHandler) ? route.preHandler : route.preHandler ? [route.preHandler] : []), guard];
  });
}

/** The verified principal of a request that passed {@link requireAuthentication}. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw request.authFailure ?? new UnauthenticatedError('Authentication required.');
  return request.principal;
}
