import { setMaxListeners } from 'node:events';
import type { ZepClient } from '@getzep/zep-cloud';
import { mapConcurrent } from '../batch-results.js';
import { defineProvider, type OperationSpec } from '../define-provider.js';
import type { OperationContext } from '../operation.js';
import { isNotFound, toZepEngramError, ZepCallAbortedError } from './zep-errors.js';
import type {
  ZepGraphSearchKey,
  ZepGraphSearchResult,
  ZepThreadMessagesKey,
  ZepUserFactsKey,
  ZepFact,
  ZepMessage,
  ZepThreadContext,
  ZepUser,
} from './zep-operations.js';
import { toEpisode, toFact, toMessages, toNode, toUser } from './zep-results.js';
import { ZepTenancy, type ZepTenantScope } from './zep-tenancy.js';

export interface ZepProviderOptions {
  /** A client from `createZepClient` (or `new ZepClient`): the project every tenant shares, with `tenant:id` ids. */
  readonly client: ZepClient;
  /** Tenants with a Zep project (API key) of their own; their ids are not namespaced. @default none */
  readonly tenantClients?: Readonly<Record<string, ZepClient>>;
  /** Time limit of one HTTP call (each retry gets its own); Engram's answer to the SDK's 60 s default. */
  readonly timeoutMs: number;
  /** Retries of a call answered with 408, 429 or 5xx (the SDK backs off 1 s, then 2 s, …); 0 disables them. */
  readonly maxRetries: number;
  /** Most calls in flight at once for one batch. */
  readonly concurrency: number;
  /**
   * Time limit of the `health()` call.
   * @default 2000
   */
  readonly healthTimeoutMs?: number;
}

/** The SDK's per-call request options, all of which Engram sets. */
interface RequestOptions {
  readonly timeoutInSeconds: number;
  readonly maxRetries: number;
  readonly abortSignal?: AbortSignal;
}

// Zep's graph search needs a non-empty query and has no "list recent facts" mode. '*' is non-empty
// and has no words: the emulator then ranks by recency alone, as for an empty query, whereas a phrase
// such as "facts about the user" would only match facts sharing its words (none of the demo's).
// How Zep Cloud ranks '*' (semantically) has not been checked against the service.
const RECENT_FACTS_QUERY = '*';

/** The user id Engram's health check asks for; Zep answering "not found" proves it is up and the key valid. */
const HEALTH_USER_ID = '__engram_health__';

const searchQuery = (query: string | undefined): string => {
  const trimmed = query?.trim() ?? '';
  return trimmed === '' ? RECENT_FACTS_QUERY : trimmed;
};

const emptySearch = (): ZepGraphSearchResult => ({ edges: [], nodes: [], episodes: [] });

/** `value`, or `absent` when Zep says the user or thread does not exist. */
async function unlessNotFound<T, A>(pending: Promise<T>, absent: A): Promise<T | A> {
  try {
    return await pending;
  } catch (error) {
    if (isNotFound(error)) return absent;
    throw error;
  }
}

/**
 * Runs `run` with a signal that aborts with `parent` and lets go of `parent` when done. The SDK adds a
 * listener to the signal of every call and removes it only on abort, so it never gets a long-lived one.
 */
async function withChildSignal<T>(parent: AbortSignal, run: (signal: AbortSignal) => Promise<T>, maxListeners = 10): Promise<T> {
  const child = new AbortController();
  setMaxListeners(Math.max(10, maxListeners), child.signal);
  const abort = (): void => child.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  try {
    return await run(child.signal);
  } finally {
    parent.removeEventListener('abort', abort);
  }
}

function requirePositiveInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`ZepProvider: ${name} must be an integer of at least ${min}, received ${value}`);
  }
}

/**
 * Hot memory from Zep through `@getzep/zep-cloud`. Zep has no endpoint that reads several users or
 * threads at once, so a batch costs one HTTP call per distinct key, at most `concurrency` at a time.
 * Each call carries Engram's timeout and retry budget and the batch's abort signal. A missing user or
 * thread is data (`null`, or empty lists), not an error; a failed key never fails its neighbours.
 * Operations match `zepOps`, so definitions can name them before any client exists.
 *
 * `stats().calls` counts SDK calls: retries happen inside the SDK and are not seen.
 */
export function zepProvider(options: ZepProviderOptions) {
  if (!(options.timeoutMs > 0)) throw new RangeError(`ZepProvider: timeoutMs must be above 0, received ${options.timeoutMs}`);
  requirePositiveInteger('maxRetries', options.maxRetries, 0);
  requirePositiveInteger('concurrency', options.concurrency, 1);
  const { client: defaultClient, timeoutMs, maxRetries, concurrency } = options;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2000;
  const tenancy = new ZepTenancy(defaultClient, options.tenantClients);

  /**
   * One SDK call with Engram's timeout, retries and the batch's signal. Settles as soon as the signal
   * aborts, even while the SDK sleeps before a retry, and is not started once the signal has aborted.
   */
  const callWith = <T>(signal: AbortSignal, context: OperationContext, request: (o: RequestOptions) => Promise<T>): Promise<T> => {
    if (signal.aborted) return Promise.reject(new ZepCallAbortedError());
    context.countCall();
    return withChildSignal(signal, (abortSignal) => {
      const pending = request({ timeoutInSeconds: timeoutMs / 1000, maxRetries, abortSignal });
      return new Promise<T>((resolve, reject) => {
        abortSignal.addEventListener('abort', () => reject(new ZepCallAbortedError()), { once: true });
        pending.then(resolve, reject);
      });
    });
  };

  /**
   * An operation answered by one call per distinct key, `concurrency` at a time. Keys are
   * de-duplicated again here because `load` may be called without a DataLoader in front.
   */
  const perKey = <K, V>(
    keyId: (key: K) => string,
    fetchOne: (key: K, call: <T>(request: (o: RequestOptions) => Promise<T>) => Promise<T>, scope: ZepTenantScope) => Promise<V>,
  ): OperationSpec<K, V> => ({
    keyId,
    load: async (keys, context) => {
      const scope = tenancy.scope(context.tenant);
      const distinct = new Map<string, K>();
      for (const key of keys) if (!distinct.has(keyId(key))) distinct.set(keyId(key), key);
      // One listener on the request's signal per batch; at most `concurrency` on the batch's.
      const results = await withChildSignal(
        context.signal,
        (signal) => {
          const call = <T>(request: (o: RequestOptions) => Promise<T>): Promise<T> => callWith(signal, context, request);
          return mapConcurrent([...distinct.values()], concurrency, (key) => fetchOne(key, call, scope));
        },
        concurrency + 1,
      );
      const byId = new Map([...distinct.keys()].map((id, i) => [id, results[i]]));
      return keys.map((key) => byId.get(keyId(key)) as V | Error);
    },
  });

  return defineProvider({
    name: 'zep',
    operations: {
      threadContext: perKey(
        (threadId: string) => threadId,
        async (threadId, call, { client, zepId }): Promise<ZepThreadContext | null> => {
          const response = await unlessNotFound(call((o) => client.thread.getUserContext(zepId(threadId), {}, o)), null);
          return response === null ? null : { threadId, context: response.context ?? '' };
        },
      ),
      threadMessages: perKey(
        (k: ZepThreadMessagesKey) => JSON.stringify([k.threadId, k.lastN]),
        async ({ threadId, lastN }, call, { client, zepId }): Promise<ZepMessage[] | null> => {
          const response = await unlessNotFound(call((o) => client.thread.get(zepId(threadId), { lastn: lastN }, o)), null);
          return response === null ? null : toMessages(response.messages ?? []);
        },
      ),
      userFacts: perKey(
        // Absent and blank queries send the same request, so they are the same key.
        (k: ZepUserFactsKey) => JSON.stringify([k.userId, searchQuery(k.query), k.limit]),
        async ({ userId, query, limit }, call, { client, zepId }): Promise<ZepFact[]> => {
          const request = { userId: zepId(userId), query: searchQuery(query), scope: 'edges' as const, limit };
          const response = await unlessNotFound(call((o) => client.graph.search(request, o)), null);
          return (response?.edges ?? []).map(toFact);
        },
      ),
      graphSearch: perKey(
        (k: ZepGraphSearchKey) => JSON.stringify([k.userId, searchQuery(k.query), k.scope, k.limit]),
        async ({ userId, query, scope, limit }, call, { client, zepId }): Promise<ZepGraphSearchResult> => {
          const request = { userId: zepId(userId), query: searchQuery(query), scope, limit };
          const response = await unlessNotFound(call((o) => client.graph.search(request, o)), null);
          const result = emptySearch();
          if (response === null) return result;
          switch (scope) {
            case 'edges':
              return { ...result, edges: (response.edges ?? []).map(toFact) };
            case 'nodes':
              return { ...result, nodes: (response.nodes ?? []).map(toNode) };
            case 'episodes':
              return { ...result, episodes: (response.episodes ?? []).map(toEpisode) };
          }
        },
      ),
      user: perKey(
        (userId: string) => userId,
        async (userId, call, { client, zepId }): Promise<ZepUser | null> => {
          const user = await unlessNotFound(call((o) => client.user.get(zepId(userId), o)), null);
          return user === null ? null : toUser(userId, user);
        },
      ),
    },
    mapError: (error, operation) => toZepEngramError(error, { provider: 'zep', operation }, timeoutMs),
    /** Asks Zep for a user that does not exist, without retries: "not found" means Zep is up and accepts the key. */
    health: async () => {
      try {
        await defaultClient.user.get(HEALTH_USER_ID, { timeoutInSeconds: healthTimeoutMs / 1000, maxRetries: 0 });
        return { ok: true };
      } catch (error) {
        if (isNotFound(error)) return { ok: true };
        return { ok: false, detail: toZepEngramError(error, { provider: 'zep', operation: 'health' }, healthTimeoutMs).message };
      }
    },
  });
}
