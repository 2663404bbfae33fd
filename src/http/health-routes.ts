import type { FastifyInstance } from 'fastify';
import { hasScope, Scopes } from '../auth/index.js';
import type { ProviderHealth } from '../providers/index.js';
import type { VirtualStore } from '../store/index.js';
import { errorMessage } from '../errors/index.js';

/** Extra readiness conditions (e.g. migrations applied); a thrown error means not ready. */
export type ReadinessCheck = () => Promise<void>;

/**
 * `/healthz`: the process is alive. `/readyz`: it can serve (providers reachable). Both answer
 * without credentials (load balancers); the reasons behind a failed check (driver messages, which
 * may name hosts and databases) are shown only to principals with `engram:admin`.
 */
export function registerHealthRoutes(app: FastifyInstance, store: VirtualStore, ready?: ReadinessCheck, draining?: () => boolean): void {
  const open = { config: { authentication: 'optional' as const } };
  app.get('/healthz', open, async () => ({ status: 'ok' }));
  // The route answers anyone: its checks (a database round trip, a Zep call) run at most once per
  // second, shared by every caller, so it cannot be used to multiply load on the providers.
  let last: { at: number; result: Promise<{ providers: ProviderHealth[]; detail: string | undefined }> } | undefined;
  const checks = (): Promise<{ providers: ProviderHealth[]; detail: string | undefined }> => {
    const now = performance.now();
    if (last && now - last.at < 1000) return last.result;
    const result = (async () => {
      const providers = await Promise.all(store.providers().map((p) => p.health()));
      let detail: string | undefined;
      if (ready) {
        try {
          await ready();
        } catch (error) {
          detail = errorMessage(error);
        }
      }
      return { providers, detail };
    })();
    last = { at: now, result };
    return result;
  };
  app.get('/readyz', open, async (request, reply) => {
    if (draining?.()) {
      reply.status(503);
      return { status: 'draining' };
    }
    const { providers, detail } = await checks();
    // A provider that is down does not make the instance unready when all its contexts can fall back.
    const essential = providers.filter((p) => !p.ok && !store.hasFallbackFor(p.provider));
    const ok = essential.length === 0 && detail === undefined;
    reply.status(ok ? 200 : 503);
    const breakers = Object.fromEntries(providers.map((p) => [p.provider, store.breakerState(p.provider) ?? 'closed']));
    // Degraded: serving (reads fall back, writes are accepted and wait in the outbox), not everything is up.
    const status = !ok ? 'unavailable' : providers.every((p) => p.ok) ? 'ready' : 'degraded';
    if (request.principal && hasScope(request.principal, Scopes.admin)) {
      return { status, providers, breakers, ...(detail ? { detail } : {}) };
    }
    return { status, providers: providers.map((p) => ({ provider: p.provider, ok: p.ok })), breakers };
  });
}
