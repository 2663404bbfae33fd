/**
 * Bench child: a peer GraphQL server over the same data, the same per-request DataLoaders and the
 * same SQL as Engram. `kind` picks the server: graphql-yoga on node http (with or without
 * graphql-jit), @apollo/server 5 standalone, or mercurius on Fastify (with or without graphql-jit).
 */
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { ZepClient } from '@getzep/zep-cloud';
import Fastify from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import mercurius from 'mercurius';
import pg from 'pg';
import {
  BENCH_POOL_SIZE,
  createPeerLoaders,
  createPeerSchema,
  isPeerKind,
  PEER_KINDS,
  type PeerBackends,
  type PeerContext,
  type PeerCounters,
  type PeerKind,
} from '../peers/index.js';
import { childConfig, onFinishedResponse, portOf, requireString, runChild, type RunningServer } from './serve-child.js';

interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

function listenNode(server: Server): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: portOf(server.address()),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Serves `schema` with the peer `kind`; `onResponse` is called for every response sent. */
async function serve(kind: PeerKind, schema: GraphQLSchema, context: () => PeerContext, onResponse: () => void): Promise<Listening> {
  switch (kind) {
    case 'yoga':
    case 'yoga-jit': {
      const yoga = createYoga<Record<string, unknown>, PeerContext>({
        schema,
        context,
        logging: false,
        graphiql: false,
        landingPage: false,
        plugins: kind === 'yoga-jit' ? [useGraphQlJit()] : [],
      });
      const server = createServer(yoga);
      onFinishedResponse(server, onResponse);
      return listenNode(server);
    }
    case 'apollo': {
      // Standalone does not expose its node server: count in Apollo's own request lifecycle.
      const apollo = new ApolloServer<PeerContext>({
        schema,
        plugins: [{ requestDidStart: async () => ({ willSendResponse: async () => onResponse() }) }],
      });
      const { url } = await startStandaloneServer(apollo, {
        listen: { port: 0, host: '127.0.0.1' },
        context: async () => context(),
      });
      return { port: Number(new URL(url).port), close: () => apollo.stop() };
    }
    case 'mercurius':
    case 'mercurius-jit': {
      const app = Fastify({ logger: false });
      onFinishedResponse(app.server, onResponse);
      await app.register(mercurius, { schema, context, jit: kind === 'mercurius-jit' ? 1 : 0 });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: portOf(app.server.address()), close: () => app.close() };
    }
  }
}

runChild(async (): Promise<RunningServer> => {
  const config = childConfig();
  const kind = requireString(config, 'kind');
  if (!isPeerKind(kind)) throw new Error(`expected kind to be one of ${PEER_KINDS.join(', ')}, received "${kind}"`);
  const pool = new pg.Pool({ connectionString: requireString(config, 'databaseUrl'), max: BENCH_POOL_SIZE });
  pool.on('error', () => {});
  const zep = new ZepClient({ apiKey: requireString(config, 'zepApiKey'), baseUrl: requireString(config, 'zepBaseUrl') });
  const counters: PeerCounters = { requests: 0, sqlStatements: 0, zepCalls: 0 };
  const backends: PeerBackends = { pool, zep, counters };
  // Every server calls this once per request: fresh loaders, never shared between requests.
  const context = (): PeerContext => ({ loaders: createPeerLoaders(backends) });
  const listening = await serve(kind, createPeerSchema(), context, () => {
    counters.requests += 1;
  });
  return {
    port: listening.port,
    counters: () => ({ ...counters, providerErrors: 0 }),
    close: async () => {
      await listening.close();
      await pool.end();
    },
  };
});
