import { z } from 'zod';
import { defineContext, id } from '../../context/index.js';
import { postgresOps, type FactRow, type MessageRow } from '../../providers/postgres/index.js';
import { zepOps } from '../../providers/zep/index.js';

/** A Zep-style context block assembled from archived facts, for when Zep cannot answer. */
export function archivedContextBlock(facts: readonly FactRow[]): string {
  const lines = facts.map((f) => `  - ${f.fact} (Date range: ${f.validAt ?? f.createdAt} - ${f.invalidAt ?? 'present'})`);
  return [
    'FACTS and ENTITIES represent relevant context to the current conversation.',
    '# These are the most relevant facts and their valid date ranges',
    '# format: FACT (Date range: from - to)',
    '<FACTS>',
    ...lines,
    '</FACTS>',
  ].join('\n');
}

/** The archived block, followed by the thread's latest messages (those Zep has not received yet among them). */
export function pendingContextBlock(facts: readonly FactRow[], messages: readonly MessageRow[]): string {
  return [archivedContextBlock(facts), '<RECENT_MESSAGES>', ...messages.map((m) => `  ${m.role}: ${m.content}`), '</RECENT_MESSAGES>'].join('\n');
}

export const threadContext = defineContext({
  name: 'threadContext',
  description: 'A prompt-ready context block for a thread: assembled from Postgres (facts and latest messages) while it holds writes Zep has not received, else Zep\'s, else one assembled from the user\'s archived facts; null for an unknown thread.',
  args: z.object({ threadId: id('The conversation thread.') }),
  output: z
    .object({
      threadId: id(),
      context: z.string().describe('Text to put in the prompt.'),
    })
    .nullable(),
  sources: (from) => [
    // While Zep lacks writes of this thread or its user, Postgres has the fresher context.
    from(postgresOps.pendingThreadContext, {
      key: (args) => args.threadId,
      passOn: (pending) => pending === false,
      map: (row) => (row === false ? null : { threadId: row.threadId, context: pendingContextBlock(row.facts, row.messages) }),
    }),
    from(zepOps.threadContext, { key: (args) => args.threadId }),
    from(postgresOps.threadFacts, {
      key: (args) => args.threadId,
      map: (row) => ({ threadId: row.threadId, context: archivedContextBlock(row.facts) }),
    }),
  ],
  // The thread's owner (looked up in the system of record, batched), or context:read:any.
  access: { scopes: ['context:read'], owner: { lookup: postgresOps.threadOwner, key: (args) => args.threadId } },
  cache: { ttlSeconds: 15, staleIfErrorSeconds: 300 },
});
