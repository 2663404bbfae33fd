import { z } from 'zod';
import { defineBundle, id } from '../../context/index.js';
import { searchDocuments } from './search-documents.js';
import { threadContext } from './thread-context.js';
import { threadMessages } from './thread-messages.js';
import { userFacts } from './user-facts.js';
import { userProfile } from './user-profile.js';

/**
 * Everything an agent needs before answering in a thread, as one block of text under a token
 * budget: who the user is (never cut), the thread's context block, its latest messages, the facts
 * relevant to the query and matching documents. Cut first: documents, then the context block
 * (bulky, and largely the facts again), then the least relevant facts, then the oldest messages.
 */
export const agentContext = defineBundle({
  name: 'agentContext',
  description: 'Prompt-ready context for an agent answering in a thread: profile, context block, latest messages, relevant facts and documents, fitted to a token budget.',
  args: z.object({
    userId: id('The user the agent is talking to.'),
    threadId: id('The conversation thread.'),
    query: z.string().trim().min(1).max(500).optional().describe('What the agent is about to answer: ranks facts and selects documents (none without it).'),
  }),
  budgetTokens: 2000,
  format: 'MARKDOWN',
  parts: (part) => ({
    profile: part(userProfile, {
      args: (a) => ({ userId: a.userId }),
      priority: 0,
      title: 'User',
      render: (p) =>
        [
          `${p.displayName} <${p.email}>`,
          p.plan ? `plan: ${p.plan}` : '',
          p.locale ? `locale: ${p.locale}` : '',
          p.timezone ? `time zone: ${p.timezone}` : '',
          p.bio ?? '',
          p.preferences ? `preferences: ${JSON.stringify(p.preferences)}` : '',
        ].filter((line) => line !== '').join('\n'),
    }),
    context: part(threadContext, { args: (a) => ({ threadId: a.threadId }), priority: 3, title: 'Thread context', render: (c) => c.context }),
    messages: part(threadMessages, {
      args: (a) => ({ threadId: a.threadId, lastN: 20 }),
      priority: 1,
      title: 'Latest messages',
      // Oldest first: the oldest messages are the first to go.
      dropFrom: 'start',
      render: (m) => `${m.role}: ${m.content}`,
    }),
    facts: part(userFacts, {
      args: (a) => ({ userId: a.userId, limit: 20, ...(a.query ? { query: a.query } : {}) }),
      priority: 2,
      title: 'Facts',
      render: (f) => f.fact,
    }),
    documents: part(searchDocuments, {
      args: (a) => (a.query ? { query: a.query, limit: 5 } : null),
      priority: 4,
      title: 'Documents',
      render: (d) => `${d.title}: ${d.snippet.replace(/<\/?b>/g, '')}`,
    }),
  }),
});
