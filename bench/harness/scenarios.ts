import { BENCH_TENANT, PEER_SQL } from '../peers/index.js';

export const SCENARIO_NAMES = ['q1', 'q20', 'q20-dup', 'mixed', 'rest'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly request: HttpRequestSpec;
  /** GraphQL scenarios run on every server; REST only on Engram (batched and naive). */
  readonly graphql: boolean;
  /** What batched Engram must cost per request; the bench fails when it costs more. */
  readonly expected: { readonly sqlPerRequest: number; readonly zepPerRequest: number };
  /** What naive Engram (no batching, no de-duplication) costs per request. */
  readonly naive: { readonly sqlPerRequest: number; readonly zepPerRequest: number };
  /** The one batched statement a request of this scenario costs, for the no-HTTP ceiling loop. */
  readonly ceiling?: { readonly sql: string; readonly params: readonly unknown[] };
}

const PROFILE_FIELDS = 'id email displayName locale timezone plan createdAt';
const userIds = (n: number, distinct: number): string[] => Array.from({ length: n }, (_, i) => `u${(i % distinct) + 1}`);
const profiles = (ids: readonly string[], alias: string): string =>
  ids.map((id, i) => `${alias}${i + 1}: userProfile(userId: "${id}") { ${PROFILE_FIELDS} }`).join(' ');
const graphqlPost = (query: string): HttpRequestSpec => ({ method: 'POST', path: '/graphql', body: JSON.stringify({ query }) });
const distinct = (ids: readonly string[]): string[] => [...new Set(ids)];

const Q20_IDS = userIds(20, 20);
const Q20_DUP_IDS = userIds(20, 4);
const MIXED_USER_IDS = userIds(4, 4);
const MIXED_THREAD_IDS = ['t1', 't2', 't1', 't2'];

export const scenarios: readonly Scenario[] = [
  {
    name: 'q1',
    description: 'one `userProfile` field',
    request: graphqlPost(`query Q1 { userProfile(userId: "u1") { ${PROFILE_FIELDS} } }`),
    graphql: true,
    expected: { sqlPerRequest: 1, zepPerRequest: 0 },
    naive: { sqlPerRequest: 1, zepPerRequest: 0 },
    ceiling: { sql: PEER_SQL.userProfile, params: [BENCH_TENANT, ['u1']] },
  },
  {
    name: 'q20',
    description: '20 aliased `userProfile` fields, ids u1..u20',
    request: graphqlPost(`query Q20 { ${profiles(Q20_IDS, 'a')} }`),
    graphql: true,
    expected: { sqlPerRequest: 1, zepPerRequest: 0 },
    naive: { sqlPerRequest: 20, zepPerRequest: 0 },
    ceiling: { sql: PEER_SQL.userProfile, params: [BENCH_TENANT, distinct(Q20_IDS)] },
  },
  {
    name: 'q20-dup',
    description: '20 aliased `userProfile` fields over 4 distinct ids',
    request: graphqlPost(`query Q20Dup { ${profiles(Q20_DUP_IDS, 'a')} }`),
    graphql: true,
    expected: { sqlPerRequest: 1, zepPerRequest: 0 },
    naive: { sqlPerRequest: 20, zepPerRequest: 0 },
    ceiling: { sql: PEER_SQL.userProfile, params: [BENCH_TENANT, distinct(Q20_DUP_IDS)] },
  },
  {
    name: 'mixed',
    description: '4 `userProfile` (Postgres) + 4 `threadContext` over 2 distinct threads (Zep emulator)',
    request: graphqlPost(
      `query Mixed { ${profiles(MIXED_USER_IDS, 'p')} ${MIXED_THREAD_IDS.map((t, i) => `c${i + 1}: threadContext(threadId: "${t}") { threadId context }`).join(' ')} }`,
    ),
    graphql: true,
    // + 1 statement: whether the threads hold writes Zep has not received (reads see writes), asked
    // once for the batch of threadContext fields before Zep answers them.
    expected: { sqlPerRequest: 2, zepPerRequest: distinct(MIXED_THREAD_IDS).length },
    naive: { sqlPerRequest: MIXED_USER_IDS.length + MIXED_THREAD_IDS.length, zepPerRequest: MIXED_THREAD_IDS.length },
    ceiling: { sql: PEER_SQL.userProfile, params: [BENCH_TENANT, distinct(MIXED_USER_IDS)] },
  },
  {
    name: 'rest',
    description: 'REST `GET /api/v1/context/userProfile?userId=u1` (Engram only)',
    request: { method: 'GET', path: '/api/v1/context/userProfile?userId=u1' },
    graphql: false,
    expected: { sqlPerRequest: 1, zepPerRequest: 0 },
    naive: { sqlPerRequest: 1, zepPerRequest: 0 },
  },
];

/** The request a server gets: `engram-quiet`'s client asks for no provenance. */
export function requestFor(scenario: Scenario, server: string): HttpRequestSpec {
  return server === 'engram-quiet' ? { ...scenario.request, headers: { ...scenario.request.headers, 'x-engram-provenance': 'off' } } : scenario.request;
}

export const isScenarioName = (value: string): value is ScenarioName => (SCENARIO_NAMES as readonly string[]).includes(value);
