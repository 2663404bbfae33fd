import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mustBe, parseRequest } from '../emulator-api-error.js';
import type { EmulatorStore } from '../emulator-store.js';
import type {
  WireAddMessagesResponse,
  WireMessageList,
  WireSuccess,
  WireThread,
  WireThreadContext,
} from '../wire-format.js';
import { isoDateTime, metadata, nonEmptyString, queryInteger, roleType } from './request-schemas.js';

const createThreadBody = z.object({ thread_id: nonEmptyString, user_id: nonEmptyString });

const listMessagesQuery = z.object({
  limit: queryInteger(1).optional(),
  cursor: queryInteger(0).optional(),
  lastn: queryInteger(1).optional(),
});

const addMessagesBody = z.object({
  messages: z
    .array(
      z.object({
        role: roleType,
        content: z.string(mustBe('a string')),
        name: z.string().optional(),
        metadata: metadata.optional(),
        created_at: isoDateTime.optional(),
      }),
    )
    .min(1, mustBe('a list of at least one message')),
  ignore_roles: z.array(roleType).optional(),
  return_context: z.boolean().optional(),
});

interface ThreadParams {
  readonly threadId: string;
}

/**
 * Threads and their messages (SDK: `client.thread.create/get/addMessages/getUserContext/delete`).
 * `template_id` of the context endpoint is accepted and ignored: the emulator has one template.
 * @internal
 */
export function registerThreadRoutes(api: FastifyInstance, store: EmulatorStore): void {
  api.post('/threads', async (request, reply) => {
    const body = parseRequest(createThreadBody, request.body, 'body');
    return reply.code(201).send(store.createThread(body.thread_id, body.user_id) satisfies WireThread);
  });

  api.get<{ Params: ThreadParams }>('/threads/:threadId/messages', async (request): Promise<WireMessageList> => {
    const query = parseRequest(listMessagesQuery, request.query, 'query');
    return store.listMessages(request.params.threadId, query);
  });

  api.post<{ Params: ThreadParams }>(
    '/threads/:threadId/messages',
    async (request): Promise<WireAddMessagesResponse> => {
      const body = parseRequest(addMessagesBody, request.body, 'body');
      return store.addMessages(request.params.threadId, body.messages, {
        ignoreRoles: body.ignore_roles,
        returnContext: body.return_context,
      });
    },
  );

  api.get<{ Params: ThreadParams }>('/threads/:threadId/context', async (request): Promise<WireThreadContext> => {
    return store.threadContext(request.params.threadId);
  });

  api.delete<{ Params: ThreadParams }>('/threads/:threadId', async (request): Promise<WireSuccess> => {
    store.deleteThread(request.params.threadId);
    return { message: 'Deleted' };
  });
}
