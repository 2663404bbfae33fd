import type { FastifyInstance } from 'fastify';
import type { VirtualStore } from '../store/index.js';

/** Extra readiness conditions (e.g. migrations applied); a thrown error means not ready. */
export type ReadinessCheck = () => Promise<void>;

/** `/healthz`: the process is alive. `/readyz`: it can serve (providers reachable). */
export function registerHealthRoutes(app: FastifyInstance, store: VirtualStore, ready?: ReadinessCheck, draining?: () => boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (draining?.()) {
      reply.status(503);
      return { status: 'draining' };
    }
    const providers = await Promise.all(store.providers().map((p) => p.health()));
    let detail: string | undefined;
    if (ready) {
      try {
        await ready();
      } catch (error) {
        detail = error instanceof Error ? error.message : String(error);
      }
    }
    // A provider that is down does not make the instance unready when all its contexts can fall back.
    const essential = providers.filter((p) => !p.ok && !store.hasFallbackFor(p.provider));
    const ok = essential.length === 0 && detail === undefined;
    reply.status(ok ? 200 : 503);
    const breakers = Object.fromEntries(providers.map((p) => [p.provider, store.breakerState(p.provider) ?? 'closed']));
    return { status: ok ? 'ready' : 'unavailable', providers, breakers, ...(detail ? { detail } : {}) };
  });
}
