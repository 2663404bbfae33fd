import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { buildEmulatorApp, API_PREFIX } from './emulator-app.js';
import { EmulatorStore } from './emulator-store.js';
import { FaultInjector } from './fault-injector.js';
import type { FaultSettings } from './fault-injector.js';
import { RequestStats } from './request-stats.js';
import type { RequestStatsSnapshot } from './request-stats.js';

export interface ZepEmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** The key clients must send as `Authorization: Api-Key <key>`. @default 'engram-emulator-key' */
  apiKey?: string;
  /** Logger for errors and lifecycle events; `false` is silent. @default false */
  logger?: Logger | false;
}

/** A running, in-memory, Zep-compatible server (a subset of Zep Cloud API v2) for development and tests. */
export interface ZepEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `url` + `/api/v2`, what `new ZepClient({ baseUrl })` takes. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Fault injection, also reachable over HTTP at `/_emulator/faults`. */
  readonly faults: {
    get(): FaultSettings;
    /** Throws a `RangeError` on invalid values (e.g. `errorRate` above 1). */
    set(patch: Partial<FaultSettings>): FaultSettings;
    reset(): void;
  };
  /** API requests received since start/reset, total and by route template, e.g. 'GET /threads/:threadId/context'. */
  stats(): RequestStatsSnapshot;
  resetStats(): void;
  /** Stops listening, cuts injected latency short and drops open connections. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_EMULATOR_API_KEY = 'engram-emulator-key';

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a Zep emulator with an empty store. */
export async function startZepEmulator(options: ZepEmulatorOptions = {}): Promise<ZepEmulator> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const faults = new FaultInjector();
  const stats = new RequestStats();
  const shutdown = new AbortController();
  const app = await buildEmulatorApp({
    store: new EmulatorStore(),
    faults,
    stats,
    apiKey,
    logger: options.logger ?? false,
    shutdownSignal: shutdown.signal,
  });
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    baseUrl: `${url}${API_PREFIX}`,
    apiKey,
    faults: {
      get: () => faults.get(),
      set: (patch) => faults.set(patch),
      reset: () => faults.reset(),
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: () => {
      closing ??= (async () => {
        shutdown.abort();
        await app.close();
      })();
      return closing;
    },
  };
}
