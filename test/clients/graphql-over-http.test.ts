import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientStack, type ClientStack } from './client-stack.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const QUERY = '{ userProfile(userId: "u1") { displayName } }';

let stack: ClientStack;

beforeAll(async () => {
  stack = await startClientStack();
});

afterAll(async () => {
  await stack?.close();
});

interface Answer {
  status: number;
  type: string | null;
  allow: string | null;
  body: unknown;
}

async function send(init: RequestInit & { search?: Record<string, string> }): Promise<Answer> {
  const url = init.search ? `${stack.endpoint}?${new URLSearchParams(init.search)}` : stack.endpoint;
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), allow: response.headers.get('allow'), body: text ? JSON.parse(text) : '' };
}

const postJson = (body: unknown, accept = 'application/graphql-response+json') =>
  send({ method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });

const ada = { data: { userProfile: { displayName: 'Ada Lovelace' } } };

describe('GraphQL over HTTP on /graphql', () => {
  it('POST application/json answers application/graphql-response+json when the client accepts it', async () => {
    expect(await postJson({ query: QUERY })).toMatchObject({ status: 200, type: GRAPHQL_RESPONSE, body: ada });
  });

  it('answers application/json to legacy clients (Accept: application/json, */* or none)', async () => {
    expect(await postJson({ query: QUERY }, 'application/json')).toMatchObject({ status: 200, type: JSON_TYPE, body: ada });
    expect(await postJson({ query: QUERY }, '*/*')).toMatchObject({ status: 200, body: ada });
    expect(await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) })).toMatchObject({
      status: 200,
      body: ada,
    });
  });

  it('runs queries over GET with query, variables and operationName in the URL', async () => {
    const answer = await send({
      headers: { accept: 'application/graphql-response+json' },
      search: {
        query: 'query A($id: ID!) { userProfile(userId: $id) { displayName } } query B { contexts { name } }',
        variables: JSON.stringify({ id: 'u1' }),
        operationName: 'A',
      },
    });
    expect(answer).toMatchObject({ status: 200, type: GRAPHQL_RESPONSE, body: ada });
  });

  it('answers a parse error with 400 (200 for application/json)', async () => {
    const error = { errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] };
    expect(await postJson({ query: '{ userProfile(' })).toMatchObject({ status: 400, type: GRAPHQL_RESPONSE, body: error });
    expect(await postJson({ query: '{ userProfile(' }, 'application/json')).toMatchObject({ status: 200, type: JSON_TYPE, body: error });
  });

  it('answers a validation error with 400 (200 for application/json), without data', async () => {
    const error = { errors: [{ message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
    const strict = await postJson({ query: '{ nope }' });
    expect(strict).toMatchObject({ status: 400, type: GRAPHQL_RESPONSE, body: error });
    expect(strict.body).not.toHaveProperty('data');
    expect(await postJson({ query: '{ nope }' }, 'application/json')).toMatchObject({ status: 200, body: error });
  });

  it('refuses a mutation over GET with 405 and Allow: POST (over POST, an unknown mutation field is a validation error, 400)', async () => {
    expect(await send({ headers: { accept: 'application/graphql-response+json' }, search: { query: 'mutation { x }' } })).toEqual({
      status: 405,
      type: GRAPHQL_RESPONSE,
      allow: 'POST',
      body: { errors: [{ message: 'Can only perform a mutation operation from a POST request.', extensions: { code: 'BAD_REQUEST' } }] },
    });
    expect(await postJson({ query: 'mutation { x }' })).toEqual({
      status: 400,
      type: GRAPHQL_RESPONSE,
      allow: null,
      body: { errors: [{ message: 'Cannot query field "x" on type "Mutation".', locations: [{ line: 1, column: 12 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
    // Issue #12: a request that cannot execute is a request error (400, no `data`), as every other
    // validation failure; graphql-js 16 alone would only find it while executing (200, data null).
    expect(await postJson({ query: 'subscription { x }' })).toEqual({
      status: 400,
      type: GRAPHQL_RESPONSE,
      allow: null,
      body: { errors: [{ message: 'Schema is not configured to execute subscription operation.', locations: [{ line: 1, column: 1 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
  });

  it('answers other methods with 405 and Allow: GET, POST', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect(
        await send({ method, headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query: QUERY }) }),
      ).toEqual({
        status: 405,
        type: GRAPHQL_RESPONSE,
        allow: 'GET, POST',
        body: { errors: [{ message: 'GraphQL only supports GET and POST requests.', extensions: { code: 'BAD_REQUEST' } }] },
      });
    }
  });

  it('answers an unsupported request media type with 415 and a JSON error, an unacceptable Accept with a bodiless 406', async () => {
    expect(await send({ method: 'POST', headers: { 'content-type': 'text/plain', accept: 'application/json' }, body: JSON.stringify({ query: QUERY }) })).toEqual({
      status: 415,
      type: 'application/json; charset=utf-8',
      allow: null,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content-type: send application/json.' } },
    });
    expect(await send({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/xml' }, body: JSON.stringify({ query: QUERY }) })).toMatchObject({
      status: 406,
      body: '',
    });
  });

  it('answers malformed requests with 400: invalid JSON, a query that is not a string, variables that are not an object', async () => {
    expect(await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' })).toMatchObject({ status: 400 });
    expect(await postJson({ query: 42 })).toMatchObject({
      status: 400,
      body: { errors: [{ message: 'Expected "query" param to be a string, but given number.' }] },
    });
    expect(await postJson({ query: QUERY, variables: 'u1' })).toMatchObject({
      status: 400,
      body: { errors: [{ message: 'Expected "variables" param to be empty or an object, but given string.' }] },
    });
  });

  it('answers 400 when the operation to run cannot be determined', async () => {
    const error = { errors: [{ message: 'Could not determine what operation to execute.', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] };
    expect(await postJson({ query: 'query A { contexts { name } } query B { contexts { name } }' })).toMatchObject({ status: 400, body: error });
    expect(await postJson({ query: QUERY, operationName: 'Missing' })).toMatchObject({ status: 400, body: error });
  });
});
