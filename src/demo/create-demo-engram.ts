import type pg from 'pg';
import { ApiKeyStore } from '../auth/index.js';
import type { ContextDefinition } from '../context/index.js';
import { createEngram, type Engram, type EngramOptions } from '../create-engram.js';
import type { OutboxWorkerOptions } from '../outbox/index.js';
import type { ProviderDefinition } from '../providers/index.js';
import { migrationStatus, postgresProvider, type EngramDatabase } from '../providers/postgres/index.js';
import { zepProvider, type ZepProviderOptions } from '../providers/zep/index.js';
import type { BundleDefinition } from '../context/index.js';
import { demoBundles, demoContexts } from './contexts/index.js';
import { DEFAULT_GRAPHIQL_QUERY, demoOperations } from './demo-operations.js';

export interface DemoEngramOptions extends Omit<EngramOptions, 'providers' | 'definitions' | 'auth' | 'writes'> {
  /** The cold store (PostgreSQL or PGlite), migrated. */
  readonly db: EngramDatabase;
  /** The pg pool behind `db` on a real server (cancellable statements). */
  readonly pool?: pg.Pool | undefined;
  /** Named prepared statements on `pool` (see `PostgresProviderOptions`). @default true */
  readonly preparedStatements?: boolean | undefined;
  /** Hot memory: Zep Cloud or the local emulator, through the Zep SDK. Without it, Postgres serves alone. */
  readonly zep?: ZepProviderOptions;
  /** Providers besides Zep and Postgres (custom sources, tests). */
  readonly providers?: readonly ProviderDefinition[];
  /** @default the demo context pack */
  readonly definitions?: readonly ContextDefinition[];
  /** @default the demo bundles whose parts all read contexts of `definitions` */
  readonly bundles?: readonly BundleDefinition[];
  /** @default credentials required, API keys from `db` */
  readonly auth?: EngramOptions['auth'];
  /**
   * Run an outbox worker delivering writes to `zep` (with these options); without it, writes are
   * accepted and wait in the outbox for an instance that runs one.
   * @default no worker
   */
  readonly outboxWorker?: OutboxWorkerOptions;
  /** `false`: no write path (read-only). @default writes to `db` */
  readonly writes?: false;
}

/**
 * Engram as `npm start` serves it: Zep (when configured) and Postgres providers, the demo context
 * pack and operations, API keys from the database, and readiness that checks migrations. One
 * composition of `createEngram` among many: the core favours none of these parts.
 */
export function createDemoEngram(options: DemoEngramOptions): Engram {
  const { db, pool, preparedStatements, zep, providers, definitions, bundles, auth, outboxWorker, writes, ...rest } = options;
  return createEngram({
    graphiqlDefaultQuery: DEFAULT_GRAPHIQL_QUERY,
    graphiqlExamples: definitions ? [] : demoOperations,
    ...rest,
    providers: [...(zep ? [zepProvider(zep)] : []), postgresProvider({ db, pool, preparedStatements }), ...(providers ?? [])],
    definitions: definitions ?? demoContexts,
    bundles: bundles ?? demoBundles.filter((bundle) => bundle.parts.every((part) => (definitions ?? demoContexts).includes(part.context))),
    auth: auth ?? { mode: 'required', apiKeys: new ApiKeyStore(db) },
    ...(writes === false
      ? {}
      : {
          writes: {
            db,
            outbox: zep && outboxWorker
              ? { client: zep.client, ...(zep.tenantClients ? { tenantClients: zep.tenantClients } : {}), timeoutMs: zep.timeoutMs, worker: outboxWorker }
              : false,
          },
        }),
    ready: async () => {
      const { pending } = await migrationStatus(db);
      if (pending.length > 0) throw new Error(`pending migrations: ${pending.join(', ')}`);
    },
  });
}
