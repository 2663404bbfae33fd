import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.js';
import { BadUserInputError, EngramError, restErrorBody, toClientError } from '../errors/index.js';
import type { MemoryWrites, WriteReceipt } from '../writes/index.js';

/** The verified principal of a request; throws an `EngramError` when there is none. */
export type PrincipalOf = (request: FastifyRequest) => Principal;

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const client = toClientError(error);
  if (!(error instanceof EngramError)) reply.log.error({ err: error }, 'unexpected error in REST write route');
  return reply.status(client.status).send(restErrorBody(client));
}

/** The body's fields, the path's id, and the `Idempotency-Key` header (the body's key wins). */
function argsOf(request: FastifyRequest, ids: Record<string, string>): Record<string, unknown> {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new BadUserInputError('The request body must be a JSON object.', [{ field: '(body)', reason: 'expected a JSON object' }]);
  }
  const header = request.headers['idempotency-key'];
  return { ...(typeof header === 'string' ? { idempotencyKey: header } : {}), ...body, ...ids };
}

/**
 * `POST /api/v1/threads/{threadId}/messages` (`{ messages, idempotencyKey? }`) and
 * `POST /api/v1/users/{userId}/facts` (`{ facts, idempotencyKey? }`): the same writes as the
 * GraphQL mutations. 201 with the receipt once committed; 200 for a replayed first answer.
 */
export function registerWriteRoutes(app: FastifyInstance, writes: MemoryWrites, principalOf: PrincipalOf): void {
  const answer = async (reply: FastifyReply, write: () => Promise<WriteReceipt>) => {
    try {
      const receipt = await write();
      return reply.status(receipt.replayed ? 200 : 201).send({ data: receipt });
    } catch (error) {
      return sendError(reply, error);
    }
  };
  app.post<{ Params: { threadId: string } }>('/api/v1/threads/:threadId/messages', async (request, reply) =>
    answer(reply, async () => writes.appendMessages(principalOf(request), argsOf(request, { threadId: request.params.threadId }))),
  );
  app.post<{ Params: { userId: string } }>('/api/v1/users/:userId/facts', async (request, reply) =>
    answer(reply, async () => writes.addFacts(principalOf(request), argsOf(request, { userId: request.params.userId }))),
  );
}
