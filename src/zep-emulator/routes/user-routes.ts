import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseRequest } from '../emulator-api-error.js';
import type { EmulatorStore } from '../emulator-store.js';
import type { WireSuccess, WireUser } from '../wire-format.js';
import { metadata, nonEmptyString } from './request-schemas.js';

const createUserBody = z.object({
  user_id: nonEmptyString,
  email: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  metadata: metadata.optional(),
  time_zone: z.string().optional(),
  disable_default_ontology: z.boolean().optional(),
});

interface UserParams {
  readonly userId: string;
}

/** `POST /users`, `GET /users/:userId`, `DELETE /users/:userId` (SDK: `client.user.add/get/delete`). @internal */
export function registerUserRoutes(api: FastifyInstance, store: EmulatorStore): void {
  api.post('/users', async (request, reply) => {
    const body = parseRequest(createUserBody, request.body, 'body');
    return reply.code(201).send(store.createUser(body) satisfies WireUser);
  });

  api.get<{ Params: UserParams }>('/users/:userId', async (request): Promise<WireUser> => {
    return store.getUser(request.params.userId);
  });

  api.delete<{ Params: UserParams }>('/users/:userId', async (request): Promise<WireSuccess> => {
    store.deleteUser(request.params.userId);
    return { message: 'Deleted' };
  });
}
