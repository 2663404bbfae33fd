/**
 * The fuzzer's request generator: case `index` of seed `seed` is always the same request, so any
 * finding can be replayed (`fuzzCase(seed, index)`) and kept as a regression case.
 */

export const FUZZ_CATEGORIES = [
  'malformed-json',
  'bad-variables',
  'deep-nesting',
  'odd-strings',
  'nul-bytes',
  'content-types',
  'methods',
  'persisted-documents',
  'rest-args',
  'document-mutations',
  'raw-protocol',
  'writes',
] as const;

export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

export interface FuzzCase {
  readonly category: FuzzCategory;
  /** What the request is, in a few words (printed with findings). */
  readonly summary: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
  /** Bytes written as they are on a fresh connection, instead of an HTTP request. */
  readonly raw?: string | Buffer;
  /** The server may legitimately close before answering (an oversized or truncated request). */
  readonly mayCloseEarly?: boolean;
}

/** mulberry32: small, fast, good enough to pick cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

const QUERIES = [
  '{ userProfile(userId: "u1") { id displayName email plan } }',
  'query Q($u: ID!) { userFacts(userId: $u, limit: 2) { fact createdAt } }',
  '{ threadMessages(threadId: "t1", lastN: 3) { role content } }',
  '{ threadContext(threadId: "t2") { context } }',
  '{ searchDocuments(query: "batching", limit: 2) { title snippet } }',
  '{ __typename }',
  '{ contexts { name args { name type } } }',
  '{ providers { name breaker } }',
  'query A { userProfile(userId: "u2") { id } } query B { __typename }',
  'fragment F on UserProfile { id } { userProfile(userId: "u3") { ...F } }',
];

const ODD_STRINGS: ReadonlyArray<(rng: Rng) => string> = [
  (rng) => 'x'.repeat(int(rng, 1, 300_000)),
  () => '\uD800',
  () => '\uDFFF\uD800',
  () => '\uFFFF\uFFFE',
  () => '🧠'.repeat(1000),
  () => '\u202Eevil\u202C',
  () => '\u200B\u200C\u200D',
  () => '\u2028\u2029',
  () => '\u0001\u0002\u001b[31m',
  () => "' or 1=1 --",
  () => '"; drop table users; --',
  () => '%00%ZZ%',
  () => '../../../../etc/passwd',
  () => '__proto__',
  () => 'constructor',
  () => '1e309',
  () => '-0',
  () => 'NaN',
  () => '',
  () => ' ',
  (rng) => String.fromCharCode(...Array.from({ length: int(rng, 1, 64) }, () => int(rng, 0, 0xffff))),
];

const oddString = (rng: Rng): string => pick(rng, ODD_STRINGS)(rng);

/** Percent-encodes every UTF-8 byte (encodeURIComponent throws on lone surrogates). */
const percentEncode = (text: string): string => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const ACCEPTS = ['application/json', 'application/graphql-response+json', '*/*', 'text/html', 'application/xml', ''];

function json(category: FuzzCategory, summary: string, rng: Rng, body: unknown, path = '/graphql'): FuzzCase {
  const accept = pick(rng, ACCEPTS);
  return {
    category,
    summary,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
    body: JSON.stringify(body),
  };
}

function get(category: FuzzCategory, summary: string, params: Record<string, string>, path = '/graphql'): FuzzCase {
  return { category, summary, method: 'GET', path: `${path}?${new URLSearchParams(params).toString()}`, headers: { accept: 'application/graphql-response+json' } };
}

function nested(open: string, close: string, depth: number, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const APPEND = 'mutation A($t: ID!, $m: [MessageInput!]!, $k: String) { appendMessages(threadId: $t, messages: $m, idempotencyKey: $k) { ids delivery replayed } }';
const ADD_FACTS = 'mutation F($u: ID!, $f: [FactInput!]!, $k: String) { addFacts(userId: $u, facts: $f, idempotencyKey: $k) { ids } }';

/** A value for a field of a write's input: right, wrong type, odd or oversized. */
function oddValue(rng: Rng): unknown {
  return pick(rng, [
    () => oddString(rng),
    () => 'x'.repeat(int(rng, 4000, 70_000)),
    () => int(rng, -5, 5),
    () => null,
    () => [],
    () => ({ nested: oddString(rng) }),
    () => 'user',
    () => 'PREFERS',
    () => true,
  ])();
}

function oddMessages(rng: Rng): unknown {
  return pick(rng, [
    () => Array.from({ length: int(rng, 0, 40) }, () => ({ role: pick(rng, ['user', 'assistant', 'robot', '']), content: oddValue(rng) })),
    () => [{ role: oddValue(rng), content: 'hello', name: oddValue(rng), extra: 1 }],
    () => oddValue(rng),
  ])();
}

const GENERATORS: Record<FuzzCategory, (rng: Rng) => FuzzCase> = {
  writes: (rng) => {
    const threadId = pick(rng, ['t1', 't2-b', 'nope', '', oddString(rng)]);
    const key = pick(rng, [undefined, `k${int(rng, 0, 20)}`, oddString(rng), 'k'.repeat(200)]);
    switch (int(rng, 0, 3)) {
      case 0:
        return json('writes', 'appendMessages with odd variables', rng, { query: APPEND, variables: { t: threadId, m: oddMessages(rng), k: key } });
      case 1:
        return json('writes', 'addFacts with odd variables', rng, {
          query: ADD_FACTS,
          variables: { u: pick(rng, ['u1', 'nope', oddString(rng)]), f: [{ fact: oddValue(rng), name: oddValue(rng), sourceNode: oddValue(rng), targetNode: 'b' }], k: key },
        });
      case 2: {
        const body = pick(rng, [JSON.stringify({ messages: oddMessages(rng), idempotencyKey: key }), '[]', 'null', '"x"', '{"messages":', oddString(rng)]);
        return {
          category: 'writes',
          summary: `POST messages ${body.slice(0, 40)}`,
          method: 'POST',
          path: `/api/v1/threads/${percentEncode(threadId)}/messages`,
          headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': percentEncode(key).slice(0, 300) }) },
          body,
        };
      }
      default: {
        const body = JSON.stringify({ facts: pick(rng, [[], [{}], oddValue(rng), [{ fact: 'f', name: 'X', sourceNode: 'a', targetNode: oddValue(rng) }]]) });
        return { category: 'writes', summary: `POST facts ${body.slice(0, 40)}`, method: 'POST', path: `/api/v1/users/${percentEncode(pick(rng, ['u1', 'nope', oddString(rng)]))}/facts`, headers: { 'content-type': 'application/json' }, body };
      }
    }
  },

  'malformed-json': (rng) => {
    const valid = JSON.stringify({ query: pick(rng, QUERIES), variables: { u: 'u1' } });
    const bodies = [
      valid.slice(0, int(rng, 0, valid.length - 1)),
      `${valid}}`,
      `${valid}garbage`,
      '{"query":',
      '{',
      '[',
      'null',
      'true',
      '42',
      '"just a string"',
      '[]',
      '[{"query":"{ __typename }"}]',
      '{"query": {"nested": true}}',
      '{"query": 12}',
      '{"query": null}',
      '{"__proto__": {"polluted": true}, "query": "{ __typename }"}',
      '{"constructor": {"prototype": {"polluted": true}}, "query": "{ __typename }"}',
      '{"query": "{ __typename }", "query": "{ nope }"}',
      '\uFEFF{"query":"{ __typename }"}',
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1'),
      '{"query":"\\ud800"}',
      '{"query":"{ __typename }","operationName":{"x":1}}',
      '{"query":"{ __typename }","extensions":"not an object"}',
      `{"query":"{ __typename }","x":${'1'.repeat(int(rng, 1, 5000))}}`,
    ];
    const body = pick(rng, bodies);
    return { category: 'malformed-json', summary: `body ${JSON.stringify(body.slice(0, 40))}`, method: 'POST', path: pick(rng, ['/graphql', '/api/v1/context/userProfile']), headers: { 'content-type': 'application/json' }, body };
  },

  'bad-variables': (rng) => {
    const query = 'query Q($u: ID!, $l: Int) { userFacts(userId: $u, limit: $l) { fact } }';
    const values: unknown[] = [null, 42, true, [], {}, ['u1'], 'u1', Number.MAX_VALUE, -1, 2 ** 53, '5', { u: 'u1' }, 'x'.repeat(300), [[[]]]];
    const variables = pick(rng, [
      { u: pick(rng, values), l: pick(rng, values) },
      pick(rng, values),
      'not an object',
      '{',
      { u: 'u1', l: 3, extra: pick(rng, values) },
      { u: oddString(rng).slice(0, 2000) },
    ]);
    if (rng() < 0.4) {
      return get('bad-variables', `GET variables ${JSON.stringify(variables).slice(0, 40)}`, {
        query,
        variables: typeof variables === 'string' ? variables : JSON.stringify(variables) ?? 'undefined',
      });
    }
    return json('bad-variables', `variables ${JSON.stringify(variables).slice(0, 40)}`, rng, { query, variables });
  },

  'deep-nesting': (rng) => {
    const depth = pick(rng, [10, 11, 63, 64, 65, 100, 500, 1500, 2000, 5000, 20_000]);
    const kind = int(rng, 0, 7);
    switch (kind) {
      case 0:
        return json('deep-nesting', `selection depth ${depth}`, rng, { query: `{ ${nested('a { ', ' }', depth, 'a')} }` });
      case 1:
        return json('deep-nesting', `list value depth ${depth}`, rng, { query: `{ userProfile(userId: ${nested('[', ']', depth, '"u1"')}) { id } }` });
      case 2:
        return json('deep-nesting', `object value depth ${depth}`, rng, { query: `{ userProfile(userId: ${nested('{a: ', '}', depth, '1')}) { id } }` });
      case 3:
        return {
          category: 'deep-nesting',
          summary: `variables array depth ${depth}`,
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': 'application/json' },
          body: `{"query":"query Q($u: ID!) { userProfile(userId: $u) { id } }","variables":{"u":${nested('[', ']', depth, '"u1"')}}}`,
        };
      case 4:
        return { category: 'deep-nesting', summary: `documentId array depth ${depth}`, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: `{"documentId":${nested('[', ']', depth, '')}}` };
      case 5:
        return { category: 'deep-nesting', summary: `extensions depth ${depth}`, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: `{"query":"{ __typename }","extensions":${nested('{"a":', '}', depth, '1')}}` };
      case 6:
        return { category: 'deep-nesting', summary: `REST body depth ${depth}`, method: 'POST', path: '/api/v1/context/userProfile', headers: { 'content-type': 'application/json' }, body: `{"userId":${nested('[', ']', depth, '"u1"')}}` };
      default: {
        const n = Math.min(depth, 400);
        const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ${i + 1 < n ? `...F${i + 1}` : '__typename'} }`).join(' ');
        return json('deep-nesting', `fragment chain ${n}`, rng, { query: `{ ...F0 } ${fragments}` });
      }
    }
  },

  'odd-strings': (rng) => {
    const value = oddString(rng);
    const kind = int(rng, 0, 3);
    if (kind === 0) return json('odd-strings', `ID of ${value.length} chars`, rng, { query: 'query Q($u: ID!) { userProfile(userId: $u) { id } }', variables: { u: value } });
    if (kind === 1) return json('odd-strings', `search of ${value.length} chars`, rng, { query: 'query Q($q: String!) { searchDocuments(query: $q) { title } }', variables: { q: value } });
    if (kind === 2) return json('odd-strings', `operationName of ${value.length} chars`, rng, { query: pick(rng, QUERIES), operationName: value });
    const c: FuzzCase = {
      category: 'odd-strings',
      summary: `REST userId of ${value.length} chars`,
      method: 'GET',
      path: `/api/v1/context/userFacts?userId=${percentEncode(value.slice(0, 2000))}&limit=${percentEncode(oddString(rng).slice(0, 50))}`,
      headers: {},
    };
    return c;
  },

  'nul-bytes': (rng) => {
    const kind = int(rng, 0, 5);
    const nul = '\u0000';
    switch (kind) {
      case 0:
        return json('nul-bytes', 'NUL in an ID variable (one alias of several)', rng, {
          query: 'query Q($bad: ID!) { a: userProfile(userId: "u1") { id } b: userProfile(userId: $bad) { id } }',
          variables: { bad: `u${nul}1` },
        });
      case 1:
        return json('nul-bytes', 'NUL in search text', rng, { query: 'query Q($q: String!) { searchDocuments(query: $q) { title } }', variables: { q: `batch${nul}ing` } });
      case 2:
        return json('nul-bytes', 'NUL inside the document text', rng, { query: `{ userProfile(userId: "u1${nul}") { id } }` });
      case 3:
        return { category: 'nul-bytes', summary: 'NUL in a REST query parameter', method: 'GET', path: `/api/v1/context/userProfile?userId=u1%00x`, headers: {} };
      case 4:
        return json('nul-bytes', 'NUL in a REST body', rng, { userId: `u1${nul}`, [`x${nul}`]: 1 }, '/api/v1/context/userProfile');
      default:
        return { category: 'nul-bytes', summary: 'NUL in the path', method: 'GET', path: `/api/v1/context/user%00Profile?userId=u1`, headers: {} };
    }
  },

  'content-types': (rng) => {
    const type = pick(rng, [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/graphql',
      'application/graphql+json',
      'application/json, text/plain',
      'a/b/c;;;',
      'application/octet-stream',
      '',
    ]);
    const body = pick(rng, [JSON.stringify({ query: '{ __typename }' }), '{ __typename }', 'query=%7B__typename%7D', '--x\r\ncontent-disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--']);
    const headers: Record<string, string> = type ? { 'content-type': type } : {};
    return { category: 'content-types', summary: `content-type ${JSON.stringify(type)}`, method: 'POST', path: pick(rng, ['/graphql', '/api/v1/context/userProfile']), headers, body };
  },

  methods: (rng) => {
    const method = pick(rng, ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH', 'LOCK', 'PURGE', 'MKCOL']);
    const path = pick(rng, ['/graphql', '/api/v1/context/userProfile?userId=u1', '/healthz', '/metrics', '/', '/nope', '/api/v1/openapi.json']);
    const withBody = rng() < 0.5 && method !== 'HEAD';
    const headers: Record<string, string> = withBody ? { 'content-type': 'application/json', 'access-control-request-method': 'POST', origin: 'http://evil.example' } : {};
    return {
      category: 'methods',
      summary: `${method} ${path}`,
      method,
      path,
      headers,
      ...(withBody ? { body: JSON.stringify({ query: '{ __typename }' }) } : {}),
    };
  },

  'persisted-documents': (rng) => {
    const hex = Array.from({ length: 64 }, () => pick(rng, [...'0123456789abcdef'])).join('');
    const documentIds: unknown[] = [hex, `sha256:${hex}`, 'sha256:', `md5:${hex.slice(0, 32)}`, hex.toUpperCase(), 42, true, null, {}, [], [hex], 'x'.repeat(int(rng, 1, 100_000))];
    const kind = int(rng, 0, 4);
    if (kind === 0) return json('persisted-documents', 'documentId of an odd kind', rng, { documentId: pick(rng, documentIds), variables: { userId: 'u1' } });
    if (kind === 1) {
      const query = pick(rng, QUERIES);
      return json('persisted-documents', 'APQ with a wrong or odd hash', rng, {
        query: rng() < 0.5 ? query : undefined,
        extensions: { persistedQuery: pick(rng, [{ version: 1, sha256Hash: hex }, { version: 2, sha256Hash: hex }, { sha256Hash: 12 }, [], 'x', null, { version: 1, sha256Hash: { a: 1 } }]) },
      });
    }
    if (kind === 2) return get('persisted-documents', 'GET documentId', { documentId: String(pick(rng, documentIds)).slice(0, 4000), variables: '{"userId":"u1"}' });
    if (kind === 3) {
      // A big unique document registered through APQ: accepted or refused, never a failure.
      const query = `{ __typename } # ${hex} ${'x'.repeat(int(rng, 1, 200_000))}`;
      return json('persisted-documents', `APQ registration of ${query.length} chars with a made-up hash`, rng, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hex } } });
    }
    return json('persisted-documents', 'documentId and query together', rng, { documentId: `sha256:${hex}`, query: pick(rng, QUERIES) });
  },

  'rest-args': (rng) => {
    const names = ['userProfile', 'userFacts', 'threadMessages', 'searchDocuments', 'nope', '__proto__', 'constructor', 'toString', '%00', '..%2F..%2Fetc', 'x'.repeat(2000), '%E2%80%AE', '%ZZ'];
    const queries = [
      'userId=u1&userId=u2',
      'userId[]=u1',
      'userId=u1&limit=abc',
      'userId=u1&limit=1e309',
      'userId=u1&limit=-1',
      'userId=u1&limit=99999999999999999999',
      'userId=u1&limit=',
      'userId=&limit=2',
      '__proto__[x]=1&userId=u1',
      'constructor[prototype][x]=1',
      'userId=%ZZ',
      'userId=u1&unknown=1',
      `userId=${'u'.repeat(int(rng, 1, 15_000))}`,
      'threadId=t1&lastN=0',
      'query=%22quoted%20phrase%22%20-excluded%20or&limit=20',
      'query=&&&&&===',
      '',
    ];
    if (rng() < 0.3) {
      const body = pick(rng, ['[]', 'null', '"u1"', '123', '{"userId":{"$gt":""}}', '{"limit":"5","userId":"u1"}', '{"userId":["u1","u2"]}', '{"userId":"u1","__proto__":{"x":1}}']);
      return { category: 'rest-args', summary: `POST body ${body}`, method: 'POST', path: `/api/v1/context/${pick(rng, names)}`, headers: { 'content-type': 'application/json' }, body };
    }
    const query = pick(rng, queries);
    const c: FuzzCase = { category: 'rest-args', summary: `GET ?${query.slice(0, 40)}`, method: 'GET', path: `/api/v1/context/${pick(rng, names)}?${query}`, headers: {} };
    return c;
  },

  'document-mutations': (rng) => {
    let text = pick(rng, QUERIES);
    const edits = int(rng, 1, 6);
    const junk = ['{', '}', '(', ')', '[', ']', ':', '$', '!', '@', '"', '"""', '\\', '#', '\n', ',', '...', 'on', 'fragment', 'query', 'mutation', 'subscription', '__schema', '@include(if: true)', '@skip', 'a: ', '1', '-', '&', '|', '='];
    for (let i = 0; i < edits; i++) {
      const at = int(rng, 0, text.length);
      const op = int(rng, 0, 2);
      if (op === 0) text = text.slice(0, at) + pick(rng, junk) + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + int(rng, 1, 8));
      else text = text.slice(0, at) + text.slice(at).repeat(int(rng, 1, 3));
    }
    if (rng() < 0.2) text = `{ ${Array.from({ length: int(rng, 60, 1200) }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    if (rng() < 0.1) text = `{ __typename ${'@include(if: true) '.repeat(int(rng, 10, 400))}}`;
    return rng() < 0.3 ? get('document-mutations', `GET ${JSON.stringify(text.slice(0, 40))}`, { query: text }) : json('document-mutations', JSON.stringify(text.slice(0, 40)), rng, { query: text });
  },

  'raw-protocol': (rng) => {
    const big = 'a'.repeat(20_000);
    const raws: Array<[string, string | Buffer, boolean]> = [
      ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n', false],
      ['garbage request line', 'GARBAGE\r\n\r\n', false],
      ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', false],
      ['header without colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n', false],
      ['NUL in a header value', Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 'latin1'), false],
      ['header over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`, false],
      ['negative content-length', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}', false],
      ['two content-lengths', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', false],
      ['transfer-encoding and content-length', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', false],
      ['bad chunk size', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n', false],
      ['truncated body', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":', true],
      ['HTTP/1.0 without Host', 'GET /healthz HTTP/1.0\r\n\r\n', false],
      ['absolute URI', 'GET http://evil.example/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\n\r\n', false],
      ['percent-encoding error in the path', 'GET /api/v1/context/%E0%A4%A?userId=u1 HTTP/1.1\r\nHost: x\r\n\r\n', false],
      ['unknown HTTP version', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', false],
    ];
    const [summary, raw, mayCloseEarly] = pick(rng, raws);
    return { category: 'raw-protocol', summary, method: 'RAW', path: '', headers: {}, raw, mayCloseEarly };
  },
};

/** Case `index` of seed `seed`: a category in turn (of `categories`), then a request drawn from it. */
export function fuzzCase(seed: number, index: number, categories: readonly FuzzCategory[] = FUZZ_CATEGORIES): FuzzCase {
  const rng = random(Math.imul(seed, 1_000_003) + index);
  const category = categories[index % categories.length] as FuzzCategory;
  const c = GENERATORS[category](rng);
  // Bodies over the limit (256 KB by default) may be refused before they are read to the end.
  const size = c.body === undefined ? 0 : Buffer.byteLength(c.body);
  return size > 200_000 ? { ...c, mayCloseEarly: true } : c;
}
