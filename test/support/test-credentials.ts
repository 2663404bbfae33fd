import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ApiKeyStore, Scopes } from '../../src/auth/index.js';
import type { EngramDatabase } from '../../src/providers/postgres/index.js';

/** Real API keys, created through the key store in the test's database. */
export interface TestKeys {
  readonly store: ApiKeyStore;
  /** acme, subject u1 (Ada Lovelace), own data only. */
  readonly acmeU1: string;
  /** acme, subject demo-agent, any subject of acme. */
  readonly acmeAgent: string;
  /** acme operator: engram:admin, any subject. */
  readonly acmeAdmin: string;
  /** globex, subject u1 (Marie Curie), own data only. */
  readonly globexU1: string;
  /** globex, subject demo-agent, any subject of globex. */
  readonly globexAgent: string;
}

export async function createTestKeys(db: EngramDatabase): Promise<TestKeys> {
  const store = new ApiKeyStore(db, { cacheTtlMs: 0 });
  const make = async (tenant: string, subject: string, scopes: string[]) => (await store.create({ tenant, subject, scopes, name: `test ${tenant}/${subject}` })).key;
  return {
    store,
    acmeU1: await make('acme', 'u1', [Scopes.read]),
    acmeAgent: await make('acme', 'demo-agent', [Scopes.readAny]),
    acmeAdmin: await make('acme', 'demo-admin', [Scopes.admin, Scopes.readAny]),
    globexU1: await make('globex', 'u1', [Scopes.read]),
    globexAgent: await make('globex', 'demo-agent', [Scopes.readAny]),
  };
}

export const bearer = (credential: string): Record<string, string> => ({ authorization: `Bearer ${credential}` });

/**
 * A local identity provider: a JWKS served over HTTP on loopback (what `createRemoteJWKSet` fetches)
 * and real tokens signed with jose. `rotate()` adds a new signing key, as providers do.
 */
export interface TestIdentityProvider {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** How often the JWKS was fetched. */
  readonly fetches: number;
  /** A signed token (RS256, current key) with these claims; `exp` 5 min unless given. */
  sign(claims: Record<string, unknown>, options?: { expiresIn?: string | number; issuer?: string; audience?: string; kid?: string }): Promise<string>;
  /** Adds a new key (new kid) to the set and signs with it from now on. */
  rotate(): Promise<void>;
  /** The current private key, for tests that sign by hand. */
  readonly privateKey: CryptoKey;
  close(): Promise<void>;
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const keys: Array<{ kid: string; privateKey: CryptoKey; jwk: JWK }> = [];
  const addKey = async (): Promise<void> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
  };
  await addKey();
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('identity provider has no TCP address');
  const base = `http://127.0.0.1:${address.port}`;
  const current = () => keys[keys.length - 1] as (typeof keys)[number];
  return {
    jwksUrl: `${base}/.well-known/jwks.json`,
    issuer: `${base}/`,
    audience: 'engram-test',
    get fetches() {
      return fetches;
    },
    get privateKey() {
      return current().privateKey;
    },
    async sign(claims, options = {}) {
      const key = current();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid })
        .setIssuedAt()
        .setIssuer(options.issuer ?? `${base}/`)
        .setAudience(options.audience ?? 'engram-test')
        .setExpirationTime(options.expiresIn ?? (typeof claims['exp'] === 'number' ? claims['exp'] : '5m'))
        .sign(key.privateKey);
    },
    rotate: addKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
