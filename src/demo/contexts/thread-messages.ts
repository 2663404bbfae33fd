import { z } from 'zod';
import { defineContext, id } from '../../context/index.js';
import { postgresOps } from '../../providers/postgres/index.js';
import { zepOps } from '../../providers/zep/index.js';
import { Message, MessageRole } from './shapes.js';

const toRole = (role: string) => MessageRole.catch('user').parse(role);

export const threadMessages = defineContext({
  name: 'threadMessages',
  description: 'The last messages of a conversation thread, oldest first: from Postgres while it holds writes Zep has not received, else from Zep, else from the Postgres archive; null for an unknown thread.',
  args: z.object({
    threadId: id('The conversation thread.'),
    lastN: z.int().min(1).max(100).default(20).describe('How many of the latest messages (1–100).'),
  }),
  output: z.array(Message).nullable(),
  sources: (from) => [
    // Writes not yet delivered to Zep make Postgres the fresher source; otherwise Zep answers.
    from(postgresOps.pendingThreadMessages, {
      key: (args) => ({ threadId: args.threadId, lastN: args.lastN }),
      passOn: (pending) => pending === false,
      map: (rows) => (rows === false ? [] : rows.map((r) => ({ ...r, role: toRole(r.role) }))),
    }),
    from(zepOps.threadMessages, {
      key: (args) => ({ threadId: args.threadId, lastN: args.lastN }),
      map: (messages) => messages.map((m) => ({ ...m, role: toRole(m.role) })),
    }),
    from(postgresOps.threadMessages, {
      key: (args) => ({ threadId: args.threadId, lastN: args.lastN }),
      map: (rows) => rows.map((r) => ({ ...r, role: toRole(r.role) })),
    }),
  ],
  access: { scopes: ['context:read'], owner: { lookup: postgresOps.threadOwner, key: (args) => args.threadId } },
});
