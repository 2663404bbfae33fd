/**
 * The demo data set shared by the Postgres seed and the Zep emulator seed, so that hot memory
 * (Zep) and the cold archive (Postgres) describe the same users, threads and facts.
 */

export interface DemoUser {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly locale: string;
  readonly timezone: string;
  readonly plan: 'free' | 'pro' | 'enterprise';
  readonly bio: string;
}

export interface DemoFact {
  readonly id: string;
  readonly userId: string;
  /** Edge name in Zep's graph, e.g. `PREFERS`. */
  readonly name: string;
  readonly fact: string;
  readonly sourceNode: string;
  readonly targetNode: string;
  readonly createdAt: string;
}

export interface DemoMessage {
  readonly id: string;
  readonly threadId: string;
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly createdAt: string;
}

export interface DemoThread {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: string;
}

export interface DemoDocument {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John',
  'Radia', 'Tim', 'Hedy', 'Linus', 'Katherine', 'Dennis', 'Shafi', 'Leslie', 'Sophie', 'Guido',
  'Anita', 'Bjarne', 'Joan', 'Niklaus', 'Karen'] as const;
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'McCarthy',
  'Perlman', 'Berners-Lee', 'Lamarr', 'Torvalds', 'Johnson', 'Ritchie', 'Goldwasser', 'Lamport', 'Wilson', 'van Rossum',
  'Borg', 'Stroustrup', 'Clarke', 'Wirth', 'Jones'] as const;
const LOCALES = ['en-GB', 'en-US', 'fr-FR', 'de-DE', 'ja-JP'] as const;
const ZONES = ['Europe/London', 'America/New_York', 'Europe/Paris', 'Europe/Berlin', 'Asia/Tokyo'] as const;
const PLANS = ['free', 'pro', 'enterprise'] as const;
const TOPICS = ['GraphQL', 'PostgreSQL', 'TypeScript', 'agent memory', 'vector search'] as const;
const DRINKS = ['green tea', 'espresso', 'flat white', 'sparkling water', 'chai'] as const;

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

/** A fixed clock so that seeds are reproducible. */
function at(minutes: number): string {
  return new Date(Date.UTC(2026, 0, 1, 9, 0, 0) + minutes * 60_000).toISOString();
}

export const demoUsers: readonly DemoUser[] = FIRST.map((first, i) => ({
  id: `u${i + 1}`,
  email: `${first.toLowerCase()}@example.com`,
  firstName: first,
  lastName: pick(LAST, i),
  locale: pick(LOCALES, i),
  timezone: pick(ZONES, i),
  plan: pick(PLANS, i),
  bio: `${first} ${pick(LAST, i)} works on ${pick(TOPICS, i)}.`,
}));

export const demoFacts: readonly DemoFact[] = demoUsers.flatMap((user, i) => [
  {
    id: `f${i + 1}-1`,
    userId: user.id,
    name: 'PREFERS',
    fact: `${user.firstName} prefers ${pick(DRINKS, i)} in the morning.`,
    sourceNode: user.firstName,
    targetNode: pick(DRINKS, i),
    createdAt: at(i * 10),
  },
  {
    id: `f${i + 1}-2`,
    userId: user.id,
    name: 'WORKS_ON',
    fact: `${user.firstName} is working on a ${pick(TOPICS, i)} project.`,
    sourceNode: user.firstName,
    targetNode: pick(TOPICS, i),
    createdAt: at(i * 10 + 1),
  },
  {
    id: `f${i + 1}-3`,
    userId: user.id,
    name: 'LIVES_IN',
    fact: `${user.firstName} lives in the ${pick(ZONES, i)} time zone.`,
    sourceNode: user.firstName,
    targetNode: pick(ZONES, i),
    createdAt: at(i * 10 + 2),
  },
  {
    id: `f${i + 1}-4`,
    userId: user.id,
    name: 'HAS_PLAN',
    fact: `${user.firstName} is on the ${pick(PLANS, i)} plan.`,
    sourceNode: user.firstName,
    targetNode: pick(PLANS, i),
    createdAt: at(i * 10 + 3),
  },
]);

/** Two threads per user: `t<user>-a` and `t<user>-b`; `t1` is an alias-free short id for the first user. */
export const demoThreads: readonly DemoThread[] = demoUsers.flatMap((user, i) => [
  { id: i === 0 ? 't1' : `t${i + 1}`, userId: user.id, createdAt: at(i * 10) },
  { id: `t${i + 1}-b`, userId: user.id, createdAt: at(i * 10 + 5) },
]);

export const demoMessages: readonly DemoMessage[] = demoThreads.flatMap((thread, ti) => {
  const user = demoUsers.find((u) => u.id === thread.userId) as DemoUser;
  const topic = pick(TOPICS, ti);
  const lines: ReadonlyArray<readonly ['user' | 'assistant', string]> = [
    ['user', `Hi, I'm ${user.firstName}. Can you help me with ${topic}?`],
    ['assistant', `Of course, ${user.firstName}. What do you need to know about ${topic}?`],
    ['user', `How do I batch requests when using ${topic}?`],
    ['assistant', `Group the keys of one request and fetch them in a single round trip.`],
    ['user', `Thanks! Also, I usually drink ${pick(DRINKS, ti)} while coding.`],
    ['assistant', `Noted. I'll remember that you like ${pick(DRINKS, ti)}.`],
  ];
  return lines.map(([role, content], mi) => ({
    id: `${thread.id}-m${mi + 1}`,
    threadId: thread.id,
    role,
    content,
    createdAt: at(ti * 10 + mi),
  }));
});

export const demoDocuments: readonly DemoDocument[] = [
  { id: 'd1', title: 'Batching with DataLoader', body: 'DataLoader coalesces all loads issued in one tick of the event loop into a single batch function call, and caches results per request.', tags: ['graphql', 'performance'] },
  { id: 'd2', title: 'PostgreSQL full-text search', body: 'Use tsvector columns with a GIN index and websearch_to_tsquery to rank documents by relevance.', tags: ['postgres', 'search'] },
  { id: 'd3', title: 'Agent memory with Zep', body: 'Zep stores threads, messages and a temporal knowledge graph of facts about each user, and builds a context block for prompts.', tags: ['zep', 'memory', 'agents'] },
  { id: 'd4', title: 'Fallback strategies for memory stores', body: 'When hot memory is unavailable, serve archived facts and messages from the relational archive and mark the answer as a fallback.', tags: ['resilience', 'memory'] },
  { id: 'd5', title: 'GraphQL persisted queries', body: 'Persisted documents let agents send a document id instead of the full query text, which saves bandwidth and allows allow-listing.', tags: ['graphql', 'security'] },
  { id: 'd6', title: 'Circuit breakers', body: 'A circuit breaker stops calling a failing dependency for a while so requests fail fast and fall back instead of waiting for timeouts.', tags: ['resilience'] },
  { id: 'd7', title: 'Context windows for language models', body: 'Give the model only the context it needs: the user profile, recent messages, relevant facts and a few matching documents.', tags: ['agents', 'memory'] },
  { id: 'd8', title: 'Typed schemas with zod', body: 'One zod schema gives static TypeScript types, runtime validation, GraphQL types and JSON Schema for OpenAPI.', tags: ['typescript'] },
];
