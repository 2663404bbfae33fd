import type { EmulatorStore } from '../emulator-store.js';
import type { FastifyInstance } from 'fastify';
import { parseRequest } from '../emulator-api-error.js';
import type { FaultInjector, FaultSettings } from '../fault-injector.js';
import { faultPatchSchema } from '../fault-injector.js';
import type { RequestStats, RequestStatsSnapshot } from '../request-stats.js';

/**
 * `/_emulator/*`: switch faults and read request counts at run time. No auth: the emulator is a
 * loopback development tool.
 * @internal
 */
export function registerControlRoutes(app: FastifyInstance, faults: FaultInjector, stats: RequestStats, store: EmulatorStore): void {
  // What the emulator holds, for tests that count on Zep's side (never behind the fault injector).
  app.get('/_emulator/threads', async () => ({ threads: store.threads() }));
  app.get('/_emulator/faults', async (): Promise<FaultSettings> => faults.get());

  app.put('/_emulator/faults', async (request): Promise<FaultSettings> => {
    return faults.set(parseRequest(faultPatchSchema, request.body, 'body'));
  });

  app.post('/_emulator/faults/reset', async (): Promise<FaultSettings> => {
    faults.reset();
    return faults.get();
  });

  app.get('/_emulator/stats', async (): Promise<RequestStatsSnapshot> => stats.snapshot());

  app.post('/_emulator/stats/reset', async (): Promise<RequestStatsSnapshot> => {
    stats.reset();
    return stats.snapshot();
  });
}
