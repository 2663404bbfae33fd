import { z } from 'zod';
import { id } from '../context/index.js';

/** Most messages one `appendMessages` carries (Zep takes at most 30 per call). */
export const MAX_MESSAGES_PER_WRITE = 30;
/** Longest message content, in characters. */
export const MAX_MESSAGE_CONTENT = 4096;
/** Most facts one `addFacts` carries. */
export const MAX_FACTS_PER_WRITE = 20;

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

/**
 * Text PostgreSQL (and Zep's JSON) can hold: no NUL, no lone UTF-16 surrogate (which a JSON body
 * can carry as `\\udfff` and `jsonb` refuses).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const text = (min: number, max: number) =>
  z.string().min(min).max(max).refine((value) => !value.includes('\u0000') && !LONE_SURROGATE.test(value), {
    error: 'must be well-formed Unicode text without NUL (U+0000)',
  });

export const MessageRoleInput = z.enum(['user', 'assistant', 'system', 'tool']);

export const MessageInput = z.strictObject({
  role: MessageRoleInput,
  content: text(1, MAX_MESSAGE_CONTENT),
  name: text(1, 256).regex(PRINTABLE, { error: 'must not contain control characters' }).optional(),
});

export const FactInput = z.strictObject({
  fact: text(1, 2000),
  name: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: 'must be an upper-case relation name such as PREFERS (letters, digits, "_"; at most 64)' }),
  sourceNode: text(1, 256).regex(PRINTABLE, { error: 'must not contain control characters' }),
  targetNode: text(1, 256).regex(PRINTABLE, { error: 'must not contain control characters' }),
});

const idempotencyKey = text(1, 128)
  .regex(PRINTABLE, { error: 'must not contain control characters' })
  .optional();

export const AppendMessagesArgs = z.strictObject({
  threadId: id('The conversation thread.'),
  messages: z.array(MessageInput).min(1).max(MAX_MESSAGES_PER_WRITE),
  idempotencyKey,
});

export const AddFactsArgs = z.strictObject({
  userId: id('The user the facts are about.'),
  facts: z.array(FactInput).min(1).max(MAX_FACTS_PER_WRITE),
  idempotencyKey,
});

export type MessageInput = z.output<typeof MessageInput>;
export type FactInput = z.output<typeof FactInput>;
export type AppendMessagesArgs = z.output<typeof AppendMessagesArgs>;
export type AddFactsArgs = z.output<typeof AddFactsArgs>;

/** Where a write stands with Zep: `PENDING` until the outbox worker has delivered it. */
export type Delivery = 'PENDING' | 'DELIVERED';

/** The answer of a write, given once PostgreSQL has committed it. */
export interface WriteReceipt {
  /** Ids of the written messages or facts, in the order sent. */
  readonly ids: readonly string[];
  readonly delivery: Delivery;
  /** True when this answer is the stored first answer of an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}
