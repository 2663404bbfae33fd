import type { Engram } from '../../src/create-engram.js';
import { createDemoEngram, type DemoEngramOptions } from '../../src/demo/index.js';

export interface TestServer {
  readonly engram: Engram;
  /** e.g. `http://127.0.0.1:43123` */
  readonly url: string;
  /** POSTs a GraphQL request with fetch and returns status and parsed body. */
  graphql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphQLBody }>;
  close(): Promise<void>;
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

/**
 * A real Engram HTTP server on an ephemeral loopback port, composed as `npm start` composes it
 * (Zep and Postgres providers, the demo pack unless `definitions` says otherwise). Unless the test
 * says otherwise, the cross-request cache is off and policies neither retry nor trip, so each test
 * sees its own calls.
 */
export async function startTestServer(options: DemoEngramOptions): Promise<TestServer> {
  const engram = createDemoEngram({
    logger: false,
    // Loopback test servers run as the development principal (tenant acme, every scope) unless a
    // test brings real credentials (see test/auth/).
    auth: { mode: 'off' },
    cache: false,
    policy: { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1_000_000 } },
    ...options,
  });
  await engram.app.listen({ port: 0, host: '127.0.0.1' });
  const address = engram.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    engram,
    url,
    graphql: async (query, variables) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLBody };
    },
    close: () => engram.close(),
  };
}
