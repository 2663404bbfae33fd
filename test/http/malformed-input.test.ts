import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { demoContexts } from '../../src/demo/index.js';
import { registerErrorResponses } from '../../src/http/index.js';
import { buggyItem, itemContext } from '../support/fixture-contexts.js';
import { FixtureProvider } from '../support/fixture-provider.js';
import { useTestStack } from '../support/test-stack.js';

const logLines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);
const stack = useTestStack(() => ({ logger, definitions: [...demoContexts, itemContext, buggyItem], providers: [new FixtureProvider()] }));

const nested = (open: string, close: string, depth: number, inner: string): string => open.repeat(depth) + inner + close.repeat(depth);
const GRAPHQL = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const q = (params: Record<string, string>): string => `/graphql?${new URLSearchParams(params).toString()}`;

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  /** The whole body, parsed. */
  readonly json: unknown;
}

const graphqlError = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
const httpError = (code: string, message: string) => ({ error: { code, message } });

/**
 * Requests that once answered 500 (reproduced from the issue, or found by `npm run fuzz`), and the
 * 4xx each must get: GraphQL-shaped where yoga answers, `{"error":{code,message}}` elsewhere.
 */
const CASES: readonly Case[] = [
  {
    name: 'GET with invalid JSON in variables',
    path: q({ query: '{__typename}', variables: '{' }),
    headers: { accept: 'application/graphql-response+json' },
    status: 400,
    json: graphqlError('The variables parameter is not valid JSON.', 'BAD_REQUEST'),
  },
  {
    name: 'GET with invalid JSON in extensions',
    path: q({ query: '{__typename}', extensions: '{' }),
    headers: { accept: 'application/graphql-response+json' },
    status: 400,
    json: graphqlError('The extensions parameter is not valid JSON.', 'BAD_REQUEST'),
  },
  {
    name: 'GET with variables that are a JSON array',
    path: q({ query: '{__typename}', variables: '[1]' }),
    headers: { accept: 'application/graphql-response+json' },
    status: 400,
    json: graphqlError('The variables parameter must be a JSON object.', 'BAD_REQUEST'),
  },
  {
    name: 'a selection set nested 2,000 deep (under the token limit)',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: JSON.stringify({ query: `{ ${nested('a { ', ' }', 2000, 'a')} }` }),
    status: 400,
    json: graphqlError('Syntax Error: Nesting limit of 64 exceeded.', 'GRAPHQL_PARSE_FAILED'),
  },
  {
    name: 'a list argument nested 1,990 deep',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: JSON.stringify({ query: `{ userProfile(userId: ${nested('[', ']', 1990, '"u1"')}) { id } }` }),
    status: 400,
    json: graphqlError('Syntax Error: Nesting limit of 64 exceeded.', 'GRAPHQL_PARSE_FAILED'),
  },
  {
    name: 'a documentId that is an array nested 5,000 deep',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: `{"documentId":${nested('[', ']', 5000, '')}}`,
    status: 400,
    json: graphqlError('documentId must be a string, received an array.', 'BAD_REQUEST'),
  },
  {
    name: 'invalid JSON in a POST body',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: '{"query":',
    status: 400,
    json: httpError('BAD_REQUEST', 'The request body is not valid JSON.'),
  },
  {
    name: 'an empty body that says it is JSON',
    method: 'POST',
    path: '/api/v1/context/userProfile',
    headers: { 'content-type': 'application/json' },
    body: '',
    status: 400,
    json: httpError('BAD_REQUEST', 'The request body is empty but its content-type says JSON.'),
  },
  {
    name: 'a prototype-poisoning body',
    method: 'POST',
    path: '/api/v1/context/userProfile',
    headers: { 'content-type': 'application/json' },
    body: '{"userId":"u1","__proto__":{"polluted":true}}',
    status: 400,
    json: httpError('BAD_REQUEST', 'The request body is not valid JSON.'),
  },
  {
    name: 'XML to /graphql',
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/xml' },
    body: '<query/>',
    status: 415,
    json: httpError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content-type: send application/json.'),
  },
  {
    name: 'text/plain to /graphql (refused by yoga)',
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'text/plain' },
    body: '{ __typename }',
    status: 415,
    json: httpError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content-type: send application/json.'),
  },
  {
    name: 'a form to a REST route',
    method: 'POST',
    path: '/api/v1/context/userProfile',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'userId=u1',
    status: 415,
    json: httpError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content-type: send application/json.'),
  },
  {
    name: 'a body over the limit',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(300_000)}` }),
    status: 413,
    json: httpError('PAYLOAD_TOO_LARGE', 'The request body is larger than 262144 bytes.'),
  },
  {
    name: 'an unknown route',
    path: '/nope?x=1',
    status: 404,
    json: httpError('NOT_FOUND', 'No route GET /nope.'),
  },
  {
    name: 'a path segment over the router limit (echoed back whole before)',
    path: `/api/v1/context/${'x'.repeat(2000)}`,
    status: 414,
    json: httpError('URI_TOO_LONG', 'A path segment is too long.'),
  },
  {
    name: 'a malformed percent-encoding in the path',
    path: '/api/v1/context/%E0%A4%A?userId=u1',
    status: 400,
    json: httpError('BAD_REQUEST', 'The URL is malformed.'),
  },
  {
    name: 'a NUL character inside a string literal of the document',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: JSON.stringify({ query: '{ userProfile(userId: "u1\u0000") { id } }' }),
    status: 200,
    json: {
      data: { userProfile: null },
      errors: [
        expect.objectContaining({
          path: ['userProfile'],
          message: 'Invalid arguments for "userProfile": userId: must not contain control characters (U+0000–U+001F, U+007F).',
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ],
    },
  },
  {
    name: 'a NUL character in a REST ID',
    path: '/api/v1/context/userProfile?userId=u1%00x',
    status: 400,
    json: {
      error: {
        code: 'BAD_USER_INPUT',
        message: 'Invalid arguments for "userProfile": userId: must not contain control characters (U+0000–U+001F, U+007F).',
        invalidArgs: [{ field: 'userId', reason: 'must not contain control characters (U+0000–U+001F, U+007F)' }],
      },
    },
  },
  {
    name: 'an ID variable that is an array nested 5,000 deep',
    method: 'POST',
    path: '/graphql',
    headers: GRAPHQL,
    body: `{"query":"query Q($u: ID!) { userProfile(userId: $u) { id } }","variables":{"u":${nested('[', ']', 5000, '"u1"')}}}`,
    status: 400,
    json: { errors: [expect.objectContaining({ message: 'Variable "$u" got invalid value [[[[Array]]]]; ID cannot represent value: [[[Array]]]' })] },
  },
];

describe('malformed input is a 4xx with a JSON error, never a 500', () => {
  it.each(CASES)('$name → $status', async ({ method, path, headers, body, status, json }) => {
    const response = await fetch(`${stack.server.url}${path}`, { method: method ?? 'GET', ...(headers ? { headers } : {}), ...(body === undefined ? {} : { body }) });
    expect({ status: response.status, json: await response.json() }).toEqual({ status, json });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
  });

  it('answers garbage and oversized headers with a JSON error and Connection: close, so a keep-alive client never reuses the socket', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let out = '';
        const socket = connect(Number(new URL(stack.server.url).port), '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk) => (out += chunk.toString()));
        socket.on('close', () => resolve(out));
        socket.on('error', () => {});
      });
    const garbage = await raw('GARBAGE\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
    expect(garbage.split('\r\n\r\n')[1]).toBe(JSON.stringify(httpError('BAD_REQUEST', 'The request is not valid HTTP.')));
    const big = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\nConnection: close\r\n/);
    expect(big.split('\r\n\r\n')[1]).toBe(JSON.stringify(httpError('HEADERS_TOO_LARGE', 'The request headers are too large.')));

    // Fuzz finding (seed 1): after a 431 on a keep-alive connection, the next request was reset.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string, extra: Record<string, string> = {}) =>
      new Promise<number | string>((resolve) => {
        const req = request(`${stack.server.url}${path}`, { agent, headers: extra }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        req.end();
      });
    try {
      const answers: Array<number | string> = [];
      for (let i = 0; i < 20; i++) {
        answers.push(await get('/healthz', { 'x-big': 'a'.repeat(20_000) }));
        answers.push(await get('/healthz'));
      }
      expect(answers).toEqual(Array.from({ length: 20 }, () => [431, 200]).flat());
    } finally {
      agent.destroy();
    }
  });

  it('logs an unexpected GraphQL error with its type, message and stack, and an expected one only at debug', async () => {
    logLines.length = 0;
    const { body } = await stack.server.graphql('{ bug: buggyItem(itemId: "a") { id } bad: userProfile(userId: "") { id } }');
    expect(body.errors?.map((e) => [e.path?.[0], e.message])).toEqual(
      expect.arrayContaining([
        ['bug', 'Unexpected error.'],
        ['bad', expect.stringMatching(/^Invalid arguments for "userProfile"/)],
      ]),
    );
    const errors = logLines.filter((line) => line['level'] === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      component: 'graphql',
      error: { path: 'bug', cause: { type: 'Error', message: 'secret internal detail at /srv/app.ts:42', stack: expect.stringContaining('fixture-contexts.ts') } },
    });
    expect(logLines.some((line) => line['level'] === 20 && JSON.stringify(line).includes('BadUserInputError'))).toBe(true);
  });
});

describe('write input PostgreSQL or Zep could not hold (found by the fuzzer: was a 500)', () => {
  it('refuses a lone surrogate or a NUL in message content and fact fields with 400, over REST and GraphQL', async () => {
    const rest = await fetch(`${stack.server.url}/api/v1/users/u1/facts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"facts":[{"fact":"f","name":"X","sourceNode":"a","targetNode":"\\udfff\\ud800"}]}',
    });
    expect(rest.status).toBe(400);
    expect(await rest.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', message: 'Invalid arguments for "addFacts": facts.0.targetNode: must be well-formed Unicode text without NUL (U+0000).' } });
    const graphql = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: GRAPHQL,
      body: JSON.stringify({ query: 'mutation($m: [MessageInput!]!) { appendMessages(threadId: "t1", messages: $m) { ids } }', variables: { m: [{ role: 'user', content: 'a\u0000b' }] } }),
    });
    const body = (await graphql.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]).toMatchObject({ message: 'Invalid arguments for "appendMessages": messages.0.content: must be well-formed Unicode text without NUL (U+0000).', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('errors the HTTP layer answers itself', () => {
  it('answers an unexpected error with 500 and the JSON error shape, and logs its cause', async () => {
    const lines: string[] = [];
    const logger = pino(new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) }));
    // As in createHttpServer: the pino-typed instance is used as a plain FastifyInstance.
    const app = Fastify({ loggerInstance: logger }) as unknown as FastifyInstance;
    registerErrorResponses(app, 1024);
    app.get('/boom', async () => {
      throw new TypeError('cannot read properties of undefined (reading "x")');
    });
    const response = await app.inject({ method: 'GET', url: '/boom' });
    await app.close();
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual(httpError('INTERNAL_SERVER_ERROR', 'Unexpected error.'));
    const logged = lines.map((l) => JSON.parse(l) as { msg?: string; err?: { type: string; message: string; stack: string } }).find((l) => l.msg === 'unexpected error while handling a request');
    expect(logged?.err).toMatchObject({ type: 'TypeError', message: 'cannot read properties of undefined (reading "x")', stack: expect.stringContaining('malformed-input.test.ts') });
  });
});
