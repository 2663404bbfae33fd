/**
 * The demo data set shared by the Postgres seed and the Zep emulator seed, so that hot memory
 * (Zep) and the cold archive (Postgres) describe the same users, threads and facts. Two tenants,
 * `acme` and `globex`, use the same ids (`u1`, `t1`, `d1`, …) for different people and content, so
 * that any cross-tenant leak shows in the data.
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

/** One tenant's demo data. */
export interface DemoDataSet {
  readonly tenant: string;
  readonly users: readonly DemoUser[];
  readonly facts: readonly DemoFact[];
  readonly threads: readonly DemoThread[];
  readonly messages: readonly DemoMessage[];
  readonly documents: readonly DemoDocument[];
}

interface Cast {
  readonly first: readonly string[];
  readonly last: readonly string[];
  readonly topics: readonly string[];
  readonly drinks: readonly string[];
  readonly domain: string;
}

const LOCALES = ['en-GB', 'en-US', 'fr-FR', 'de-DE', 'ja-JP'] as const;
const ZONES = ['Europe/London', 'America/New_York', 'Europe/Paris', 'Europe/Berlin', 'Asia/Tokyo'] as const;
const PLANS = ['free', 'pro', 'enterprise'] as const;

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

/** A fixed clock so that seeds are reproducible. */
function at(minutes: number): string {
  return new Date(Date.UTC(2026, 0, 1, 9, 0, 0) + minutes * 60_000).toISOString();
}

function buildDataSet(tenant: string, cast: Cast, documents: readonly DemoDocument[]): DemoDataSet {
  const users: DemoUser[] = cast.first.map((first, i) => ({
    id: `u${i + 1}`,
    email: `${first.toLowerCase()}@${cast.domain}`,
    firstName: first,
    lastName: pick(cast.last, i),
    locale: pick(LOCALES, i),
    timezone: pick(ZONES, i),
    plan: pick(PLANS, i),
    bio: `${first} ${pick(cast.last, i)} works on ${pick(cast.topics, i)}.`,
  }));

  const facts: DemoFact[] = users.flatMap((user, i) => [
    {
      id: `f${i + 1}-1`,
      userId: user.id,
      name: 'PREFERS',
      fact: `${user.firstName} prefers ${pick(cast.drinks, i)} in the morning.`,
      sourceNode: user.firstName,
      targetNode: pick(cast.drinks, i),
      createdAt: at(i * 10),
    },
    {
      id: `f${i + 1}-2`,
      userId: user.id,
      name: 'WORKS_ON',
      fact: `${user.firstName} is working on a ${pick(cast.topics, i)} project.`,
      sourceNode: user.firstName,
      targetNode: pick(cast.topics, i),
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

  // Two threads per user: `t<n>` and `t<n>-b` (`t1` belongs to `u1`).
  const threads: DemoThread[] = users.flatMap((user, i) => [
    { id: `t${i + 1}`, userId: user.id, createdAt: at(i * 10) },
    { id: `t${i + 1}-b`, userId: user.id, createdAt: at(i * 10 + 5) },
  ]);

  const messages: DemoMessage[] = threads.flatMap((thread, ti) => {
    const user = users.find((u) => u.id === thread.userId) as DemoUser;
    const topic = pick(cast.topics, ti);
    const lines: ReadonlyArray<readonly ['user' | 'assistant', string]> = [
      ['user', `Hi, I'm ${user.firstName}. Can you help me with ${topic}?`],
      ['assistant', `Of course, ${user.firstName}. What do you need to know about ${topic}?`],
      ['user', `How do I batch requests when using ${topic}?`],
      ['assistant', `Group the keys of one request and fetch them in a single round trip.`],
      ['user', `Thanks! Also, I usually drink ${pick(cast.drinks, ti)} while coding.`],
      ['assistant', `Noted. I'll remember that you like ${pick(cast.drinks, ti)}.`],
    ];
    return lines.map(([role, content], mi) => ({
      id: `${thread.id}-m${mi + 1}`,
      threadId: thread.id,
      role,
      content,
      createdAt: at(ti * 10 + mi),
    }));
  });

  return { tenant, users, facts, threads, messages, documents };
}

/** Tenant `acme`: computing pioneers (`u1` is Ada Lovelace). */
export const acmeDemo: DemoDataSet = buildDataSet(
  'acme',
  {
    first: ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John',
      'Radia', 'Tim', 'Hedy', 'Linus', 'Katherine', 'Dennis', 'Shafi', 'Leslie', 'Sophie', 'Guido',
      'Anita', 'Bjarne', 'Joan', 'Niklaus', 'Karen'],
    last: ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'McCarthy',
      'Perlman', 'Berners-Lee', 'Lamarr', 'Torvalds', 'Johnson', 'Ritchie', 'Goldwasser', 'Lamport', 'Wilson', 'van Rossum',
      'Borg', 'Stroustrup', 'Clarke', 'Wirth', 'Jones'],
    topics: ['GraphQL', 'PostgreSQL', 'TypeScript', 'agent memory', 'vector search'],
    drinks: ['green tea', 'espresso', 'flat white', 'sparkling water', 'chai'],
    domain: 'example.com',
  },
  [
    { id: 'd1', title: 'Batching with DataLoader', body: 'DataLoader coalesces all loads issued in one tick of the event loop into a single batch function call, and caches results per request.', tags: ['graphql', 'performance'] },
    { id: 'd2', title: 'PostgreSQL full-text search', body: 'Use tsvector columns with a GIN index and websearch_to_tsquery to rank documents by relevance.', tags: ['postgres', 'search'] },
    { id: 'd3', title: 'Agent memory with Zep', body: 'Zep stores threads, messages and a temporal knowledge graph of facts about each user, and builds a context block for prompts.', tags: ['zep', 'memory', 'agents'] },
    { id: 'd4', title: 'Fallback strategies for memory stores', body: 'When hot memory is unavailable, serve archived facts and messages from the relational archive and mark the answer as a fallback.', tags: ['resilience', 'memory'] },
    { id: 'd5', title: 'GraphQL persisted queries', body: 'Persisted documents let agents send a document id instead of the full query text, which saves bandwidth and allows allow-listing.', tags: ['graphql', 'security'] },
    { id: 'd6', title: 'Circuit breakers', body: 'A circuit breaker stops calling a failing dependency for a while so requests fail fast and fall back instead of waiting for timeouts.', tags: ['resilience'] },
    { id: 'd7', title: 'Context windows for language models', body: 'Give the model only the context it needs: the user profile, recent messages, relevant facts and a few matching documents.', tags: ['agents', 'memory'] },
    { id: 'd8', title: 'Typed schemas with zod', body: 'One zod schema gives static TypeScript types, runtime validation, GraphQL types and JSON Schema for OpenAPI.', tags: ['typescript'] },
  ],
);

/** Tenant `globex`: natural scientists, other topics and documents, the same ids (`u1` is Marie Curie). */
export const globexDemo: DemoDataSet = buildDataSet(
  'globex',
  {
    first: ['Marie', 'Rosalind', 'Isaac', 'Lise', 'Charles', 'Dorothy', 'Nikola', 'Chien-Shiung', 'Gregor', 'Rachel',
      'Niels', 'Emmy', 'Michael', 'Vera', 'Louis', 'Barbara', 'Enrico', 'Jocelyn', 'Max', 'Mae',
      'Richard', 'Tu', 'Alfred', 'Jane', 'Srinivasa'],
    last: ['Curie', 'Franklin', 'Newton', 'Meitner', 'Darwin', 'Hodgkin', 'Tesla', 'Wu', 'Mendel', 'Carson',
      'Bohr', 'Noether', 'Faraday', 'Rubin', 'Pasteur', 'McClintock', 'Fermi', 'Bell Burnell', 'Planck', 'Jemison',
      'Feynman', 'Youyou', 'Wegener', 'Goodall', 'Ramanujan'],
    topics: ['radiochemistry', 'crystallography', 'orbital mechanics', 'genetics', 'climate models'],
    drinks: ['black coffee', 'rooibos', 'hot chocolate', 'lemonade', 'mint tea'],
    domain: 'globex.test',
  },
  [
    { id: 'd1', title: 'Handling radioactive samples', body: 'Store isotopes behind lead shielding, log every transfer, and keep exposure as low as reasonably achievable.', tags: ['lab', 'safety'] },
    { id: 'd2', title: 'X-ray crystallography basics', body: 'Diffraction patterns of a crystal reveal the arrangement of its atoms; the phase problem is solved with heavy atoms.', tags: ['lab', 'structure'] },
    { id: 'd3', title: 'Launch windows', body: 'A launch window opens when the planets line up for a transfer orbit that needs the least energy.', tags: ['space'] },
    { id: 'd4', title: 'Pea plant inheritance', body: 'Dominant and recessive traits segregate in fixed ratios across generations of pea plants.', tags: ['genetics'] },
    { id: 'd5', title: 'Ocean heat content', body: 'Most of the excess heat of the climate system is stored in the oceans, measured by floats at depth.', tags: ['climate'] },
  ],
);

/** Every demo tenant, in seeding order. */
export const demoDataSets: readonly DemoDataSet[] = [acmeDemo, globexDemo];
