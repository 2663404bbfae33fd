import { createHmac } from 'node:crypto';
import { exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator, JwtVerifier } from '../../src/auth/index.js';
import { ServiceUnavailableError } from '../../src/errors/index.js';
import { globexDemo } from '../../src/demo/index.js';
import { bearer, createTestKeys, startTestIdentityProvider, type TestIdentityProvider, type TestKeys } from '../support/test-credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let zep: TestZep;
let idp: TestIdentityProvider;
let keys: TestKeys;
let server: TestServer;

beforeAll(async () => {
  [database, zep, idp] = await Promise.all([createTestDatabase(), startTestZep(), startTestIdentityProvider()]);
  keys = await createTestKeys(database.db);
  server = await startTestServer({
    db: database.db, pool: database.pool,
    zep: zep.options,
    auth: new Authenticator({
      mode: 'required',
      apiKeys: keys.store,
      // No cooldown: the rotation test fetches the key set again at once.
      jwt: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: idp.audience, refreshCooldownMs: 0 },
    }),
  });
});

afterAll(async () => {
  await server?.close();
  await Promise.all([zep?.close(), idp?.close()]);
  await database?.close();
});

interface GraphQLAnswer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }> };
}

async function graphql(query: string, headers: Record<string, string> = {}): Promise<GraphQLAnswer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLAnswer['body'] };
}

async function rest(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: { data?: unknown; error?: { code: string; message: string } } }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: unknown; error?: { code: string; message: string } } };
}

const token = (claims: Record<string, unknown>, options?: Parameters<TestIdentityProvider['sign']>[1]) =>
  idp.sign({ tenant_id: 'acme', sub: 'u1', scope: 'context:read', ...claims }, options).then((t) => bearer(t));

const PROFILE = '{ userProfile(userId: "u1") { displayName } }';

describe('authentication: credentials', () => {
  it('answers 401 with WWW-Authenticate: Bearer without credentials, on GraphQL and REST', async () => {
    const gql = await graphql(PROFILE);
    expect(gql.status).toBe(401);
    expect(gql.headers.get('www-authenticate')).toBe('Bearer realm="engram"');
    expect(gql.body).toEqual({
      errors: [{ message: 'Authentication required: send "Authorization: Bearer <token>" (JWT bearer tokens and API keys).', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    const api = await rest('/api/v1/context/userProfile?userId=u1');
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="engram"');
    expect(api.body.error?.code).toBe('UNAUTHENTICATED');
    expect(zep.emulator.stats().total).toBe(0);
  });

  it('accepts a valid JWT and an API key', async () => {
    expect((await graphql(PROFILE, await token({}))).body.data).toEqual({ userProfile: { displayName: 'Ada Lovelace' } });
    expect((await graphql(PROFILE, bearer(keys.acmeU1))).body.data).toEqual({ userProfile: { displayName: 'Ada Lovelace' } });
  });

  const refused: Array<[string, () => Promise<Record<string, string>>, string]> = [
    ['an expired token (past the 30 s skew)', () => token({ exp: Math.floor(Date.now() / 1000) - 120 }), 'The token has expired.'],
    ['a token of another issuer', () => token({}, { issuer: 'https://evil.example/' }), 'The token\'s "iss" claim is not accepted (check failed).'],
    ['a token for another audience', () => token({}, { audience: 'someone-else' }), 'The token\'s "aud" claim is not accepted (check failed).'],
    ['a token signed by an unknown key', async () => {
      const forged = await startTestIdentityProvider();
      try {
        return bearer(await forged.sign({ tenant_id: 'acme', sub: 'u1', scope: 'context:read:any' }, { issuer: idp.issuer, audience: idp.audience }));
      } finally {
        await forged.close();
      }
    }, 'The token\'s signature is invalid.'],
    ['alg: none', async () => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      return bearer(`${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: idp.issuer, aud: idp.audience, sub: 'u1', tenant_id: 'acme', scope: 'context:read:any', exp: now + 300 })}.`);
    }, 'The token\'s algorithm is not accepted; expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.'],
    ['HS256 signed with the public key as secret', async () => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const input = `${part({ alg: 'HS256', typ: 'JWT', kid: 'key-1' })}.${part({ iss: idp.issuer, aud: idp.audience, sub: 'u1', tenant_id: 'acme', scope: 'context:read:any', exp: now + 300 })}`;
      const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: object[] };
      const secret = JSON.stringify(jwks.keys[0]) + (await exportSPKI(idp.privateKey).catch(() => ''));
      return bearer(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }, 'The token\'s algorithm is not accepted; expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.'],
    ['a token without the tenant claim', () => idp.sign({ sub: 'u1', scope: 'context:read' }).then((t) => bearer(t)),
      'The token\'s identity is not accepted: the tenant must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit (tenant claim "tenant_id").'],
    ['an unknown API key', async () => bearer(`egk_0123456789abcdef_${'x'.repeat(43)}`), 'The API key is not valid.'],
    ['a known key id with a wrong secret', async () => bearer(`${keys.acmeU1.slice(0, 21)}${'y'.repeat(43)}`), 'The API key is not valid.'],
    ['another scheme', async () => ({ authorization: `Basic ${Buffer.from('u1:pw').toString('base64')}` }), 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <token>".'],
  ];

  it.each(refused)('refuses %s with 401 and says why', async (_case, headers, message) => {
    const answer = await graphql(PROFILE, await headers());
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="engram", error="invalid_token", error_description="${message.replaceAll('"', "'")}"`);
  });

  it('answers 503, not 401, when the identity provider\'s keys cannot be fetched', async () => {
    const gone = new JwtVerifier({ jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: idp.issuer, audience: idp.audience });
    const jwt = await idp.sign({ tenant_id: 'acme', sub: 'u1' });
    const error = await gone.verify(jwt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).message).toBe('The identity provider\'s signing keys cannot be fetched right now; retry later.');
  });

  it('tolerates 30 s of clock skew', async () => {
    const answer = await graphql(PROFILE, await token({ exp: Math.floor(Date.now() / 1000) - 10 }));
    expect(answer.body.data).toEqual({ userProfile: { displayName: 'Ada Lovelace' } });
  });

  it('fetches the key set again when a token names an unknown kid (key rotation)', async () => {
    const before = idp.fetches;
    await idp.rotate();
    const answer = await graphql(PROFILE, await token({}));
    expect(answer.body.data).toEqual({ userProfile: { displayName: 'Ada Lovelace' } });
    expect(idp.fetches).toBe(before + 1);
  });
});

describe('authorization: access rules of the demo contexts', () => {
  it('lets u1 read their own profile, and nulls only the field of someone else\'s (FORBIDDEN)', async () => {
    const answer = await graphql('{ own: userProfile(userId: "u1") { displayName } other: userProfile(userId: "u2") { displayName } }', await token({}));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ own: { displayName: 'Ada Lovelace' }, other: null });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: '"userProfile" can be read only for records of your own subject, or with the scope "context:read:any".',
        path: ['other'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
  });

  it('answers REST with 403 for someone else\'s record', async () => {
    const denied = await rest('/api/v1/context/userFacts?userId=u2', await token({}));
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual({ code: 'FORBIDDEN', message: '"userFacts" can be read only for records of your own subject, or with the scope "context:read:any".' });
  });

  it('lets context:read:any (scope string or scp array) read any subject of its tenant', async () => {
    const viaScope = await graphql('{ userProfile(userId: "u2") { displayName } }', await token({ sub: 'agent-7', scope: 'context:read:any' }));
    expect(viaScope.body.data).toEqual({ userProfile: { displayName: 'Grace Hopper' } });
    const viaScp = await graphql('{ userProfile(userId: "u2") { displayName } }', await token({ sub: 'agent-7', scope: undefined, scp: ['context:read:any'] }));
    expect(viaScp.body.data).toEqual({ userProfile: { displayName: 'Grace Hopper' } });
  });

  it('refuses a principal without context:read, naming the scope', async () => {
    const answer = await graphql('{ searchDocuments(query: "batching") { title } }', await token({ scope: 'engram:admin' }));
    expect(answer.body.errors?.[0]).toMatchObject({ message: 'Reading "searchDocuments" requires the scope "context:read".', extensions: { code: 'FORBIDDEN' } });
  });

  it('ties threads to their owner, and does not reveal whether a denied thread exists', async () => {
    const answer = await graphql(
      '{ own: threadMessages(threadId: "t1", lastN: 1) { role } other: threadMessages(threadId: "t2", lastN: 1) { role } none: threadMessages(threadId: "no-such-thread", lastN: 1) { role } }',
      await token({}),
    );
    expect(answer.body.data).toEqual({ own: [{ role: 'assistant' }], other: null, none: null });
    const messages = (answer.body.errors ?? []).map((e) => [e.path?.[0], e.message, e.extensions?.code]);
    expect(messages).toEqual([
      ['other', '"threadMessages" can be read only for records of your own subject, or with the scope "context:read:any".', 'FORBIDDEN'],
      ['none', '"threadMessages" can be read only for records of your own subject, or with the scope "context:read:any".', 'FORBIDDEN'],
    ]);
  });

  it('gives globex\'s u1 globex data, whatever the ids', async () => {
    const answer = await graphql('{ userProfile(userId: "u1") { displayName email } threadMessages(threadId: "t1", lastN: 1) { content } }', await token({ tenant_id: 'globex' }));
    const person = globexDemo.users[0];
    expect(answer.body.data).toEqual({
      userProfile: { displayName: `${person?.firstName} ${person?.lastName}`, email: person?.email },
      threadMessages: [{ content: globexDemo.messages.filter((m) => m.threadId === 't1').at(-1)?.content }],
    });
  });

  it('ignores x-engram-principal: a header a client picks changes nothing', async () => {
    const spoofed = await graphql('{ userProfile(userId: "u2") { displayName } }', { ...(await token({})), 'x-engram-principal': 'acme:u2' });
    expect(spoofed.body.data).toEqual({ userProfile: null });
    expect(spoofed.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await graphql(PROFILE, { 'x-engram-principal': 'u1' });
    expect(anonymous.status).toBe(401);
  });

  it('shows /readyz details only to engram:admin', async () => {
    const plain = await rest('/readyz');
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ status: 'ready', providers: [{ provider: 'zep', ok: true }, { provider: 'postgres', ok: true }], breakers: { zep: 'closed', postgres: 'closed' } });
    const admin = await rest('/readyz', bearer(keys.acmeAdmin));
    expect(admin.body).toMatchObject({ status: 'ready', providers: [expect.objectContaining({ provider: 'zep', latencyMs: expect.any(Number) }), expect.anything()] });
  });
});
