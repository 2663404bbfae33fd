import { z } from 'zod';
import { dateTime, id } from '../../context/index.js';

/** Output shapes shared by several demo contexts; one zod schema → one GraphQL type. */
export const Fact = z
  .object({
    id: id(),
    name: z.string().describe('Relation name, e.g. PREFERS.'),
    fact: z.string().describe('The fact in plain language.'),
    sourceNode: z.string().nullable(),
    targetNode: z.string().nullable(),
    validAt: dateTime().nullable(),
    invalidAt: dateTime().nullable(),
    createdAt: dateTime(),
    score: z.number().nullable().describe('Relevance to the query, when one was given.'),
  })
  .meta({ id: 'Fact', description: 'Something known about a user.' });

export const MessageRole = z.enum(['user', 'assistant', 'system', 'tool']).meta({ id: 'MessageRole' });

export const Message = z
  .object({
    id: id(),
    role: MessageRole,
    content: z.string(),
    createdAt: dateTime(),
  })
  .meta({ id: 'Message', description: 'One message of a conversation thread.' });

export type FactOutput = z.output<typeof Fact>;
export type MessageOutput = z.output<typeof Message>;
