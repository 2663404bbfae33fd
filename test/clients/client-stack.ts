import { demoPersistedDocuments } from '../../src/demo/index.js';
import type { PersistedDocumentsOptions } from '../../src/graphql/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

/** A real Engram server on a port, over the seeded test database and Zep emulator, with the codegen manifest. */
export interface ClientStack {
  readonly server: TestServer;
  /** e.g. `http://127.0.0.1:43123/graphql` */
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startClientStack(persisted: Omit<PersistedDocumentsOptions, 'manifest'> = {}): Promise<ClientStack> {
  let database: TestDatabase | undefined;
  let zep: TestZep | undefined;
  try {
    [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
    const server = await startTestServer({
      db: database.db, pool: database.pool,
      zep: zep.options,
      persistedDocuments: { manifest: demoPersistedDocuments, ...persisted },
    });
    const [db, emulator] = [database, zep];
    return {
      server,
      endpoint: `${server.url}/graphql`,
      close: async () => {
        await server.close();
        await emulator.close();
        await db.close();
      },
    };
  } catch (error) {
    await zep?.close();
    await database?.close();
    throw error;
  }
}

/** What a client sent and what it got back, one entry per HTTP request. */
export interface Exchange {
  readonly method: string;
  readonly url: URL;
  /** The GraphQL parameters: the JSON body of a POST, the search parameters of a GET. */
  readonly params: { query?: string; documentId?: string; operationName?: string; variables?: unknown; extensions?: { persistedQuery?: { sha256Hash?: string } } };
  readonly status: number;
}

/** A `fetch` that records every request a client library makes (the network is real). */
export function recordingFetch(): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const params =
      request.method === 'GET'
        ? Object.fromEntries(
            [...url.searchParams].map(([key, value]) => [key, key === 'variables' || key === 'extensions' ? JSON.parse(value) : value]),
          )
        : JSON.parse(await request.clone().text());
    const response = await fetch(request);
    exchanges.push({ method: request.method, url, params, status: response.status });
    return response;
  };
  return { fetch: recording as typeof fetch, exchanges };
}

/** The manifest id (`sha256:<hex>`) of a generated typed document. */
export function documentIdOf(document: unknown): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error('not a persisted typed document from src/generated: no __meta__.hash');
  return hash;
}
