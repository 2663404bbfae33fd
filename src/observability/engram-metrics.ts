import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../errors/index.js';
import type { RedisConnection } from '../redis/index.js';
import type { BatchEvent, BreakerState, StoreObserver } from './store-observer.js';

/** What the metrics read from the store at scrape time (structural: observability does not import the store). */
export interface ObservedStore {
  providers(): ReadonlyArray<{ readonly name: string; stats(): { readonly calls: number } }>;
  breakerState(provider: string): BreakerState | undefined;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2, isolated: 3 };

/** The series of one provider operation, resolved once instead of hashing its labels per batch. */
interface OperationSeries {
  readonly batches: Counter.Internal;
  readonly keys: Counter.Internal;
  readonly size: Histogram.Internal<'provider' | 'operation'>;
  readonly duration: Histogram.Internal<'provider' | 'operation'>;
  readonly errors: Map<ErrorCode, Counter.Internal>;
}

/** `get` of a two-level map, creating the entry on first use. */
function series<V>(map: Map<string, Map<string, V>>, a: string, b: string, create: () => V): V {
  let inner = map.get(a);
  if (!inner) {
    inner = new Map();
    map.set(a, inner);
  }
  let value = inner.get(b);
  if (value === undefined) {
    value = create();
    inner.set(b, value);
  }
  return value;
}

/** What the outbox metrics read: the outbox's status and this instance's worker counters. */
export interface OutboxSource {
  status(): Promise<{ readonly pending: number; readonly oldestPendingAgeSeconds: number }>;
  worker(): { readonly delivered: number; readonly failures: number } | undefined;
}

/**
 * Prometheus metrics of one Engram instance, on its own registry (no global state, so several
 * instances can live in one process). It is the store's observer for provider, cache and breaker
 * events; HTTP metrics come from the server's response hook.
 */
export class EngramMetrics implements StoreObserver {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;
  readonly #batches: Counter<'provider' | 'operation'>;
  readonly #batchSize: Histogram<'provider' | 'operation'>;
  readonly #keys: Counter<'provider' | 'operation'>;
  readonly #errors: Counter<'provider' | 'operation' | 'code'>;
  readonly #batchDuration: Histogram<'provider' | 'operation'>;
  readonly #breaker: Gauge<'provider'>;
  readonly #cache: Counter<'context' | 'outcome'>;
  readonly #fallbacks: Counter<'context' | 'from' | 'reason'>;
  readonly #droppedConnections: Counter;
  // Children are kept by label values: none of these metrics is ever reset.
  readonly #operationSeries = new Map<string, Map<string, OperationSeries>>();
  readonly #cacheSeries = new Map<string, Map<string, Counter.Internal>>();
  readonly #httpSeries = new Map<string, Map<string, { readonly duration: Histogram.Internal<'method' | 'route'>; readonly byStatus: Map<number, Counter.Internal> }>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'engram_' });
    this.#httpRequests = new Counter({ name: 'engram_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['method', 'route', 'status'], registers });
    this.#httpDuration = new Histogram({
      name: 'engram_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#batches = new Counter({ name: 'engram_provider_batches_total', help: 'Provider batches (one DataLoader dispatch each).', labelNames: ['provider', 'operation'], registers });
    this.#batchSize = new Histogram({
      name: 'engram_provider_batch_size',
      help: 'Keys per provider batch.',
      labelNames: ['provider', 'operation'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    this.#keys = new Counter({ name: 'engram_provider_keys_total', help: 'Keys requested from providers.', labelNames: ['provider', 'operation'], registers });
    this.#errors = new Counter({ name: 'engram_provider_errors_total', help: 'Keys that failed, by error code.', labelNames: ['provider', 'operation', 'code'], registers });
    this.#batchDuration = new Histogram({
      name: 'engram_provider_batch_duration_seconds',
      help: 'Provider batch latency, policies included.',
      labelNames: ['provider', 'operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#breaker = new Gauge({ name: 'engram_provider_breaker_state', help: 'Circuit breaker: 0 closed, 1 open, 2 half-open, 3 isolated.', labelNames: ['provider'], registers });
    this.#cache = new Counter({ name: 'engram_cache_requests_total', help: 'Cross-request cache lookups by outcome (hit, miss, stale).', labelNames: ['context', 'outcome'], registers });
    this.#fallbacks = new Counter({ name: 'engram_fallbacks_total', help: 'Contexts served by a fallback source, by failed primary and reason.', labelNames: ['context', 'from', 'reason'], registers });
    this.#droppedConnections = new Counter({ name: 'engram_http_connections_dropped_total', help: 'Connections closed on accept because HTTP_MAX_CONNECTIONS were open.', registers });
  }

  /** Redis state (1 up, 0 down) and commands that failed open, by use (cache, rateLimit). */
  /** Outbox depth, oldest pending age (read from the database at scrape), deliveries and failures. */
  observeOutbox(outbox: OutboxSource): void {
    const registers = [this.registry];
    let last: Promise<{ pending: number; oldestPendingAgeSeconds: number } | undefined> | undefined;
    // One query per scrape, shared by both gauges; a failed query leaves them unset.
    const status = (): Promise<{ pending: number; oldestPendingAgeSeconds: number } | undefined> => {
      last ??= outbox.status().then((s) => s, () => undefined).finally(() => setImmediate(() => (last = undefined)));
      return last;
    };
    const gauges: Array<[string, string, (s: { pending: number; oldestPendingAgeSeconds: number }) => number]> = [
      ['engram_outbox_pending', 'Writes committed in PostgreSQL and not yet delivered to Zep (every tenant).', (s) => s.pending],
      ['engram_outbox_oldest_pending_age_seconds', 'Age of the oldest write not yet delivered to Zep; 0 when none.', (s) => s.oldestPendingAgeSeconds],
    ];
    for (const [name, help, pick] of gauges) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const s = await status();
          if (s) this.set(pick(s));
        },
      });
    }
    const counters: Array<[string, string, (w: { delivered: number; failures: number }) => number]> = [
      ['engram_outbox_deliveries_total', 'Outbox entries this instance delivered to Zep.', (w) => w.delivered],
      ['engram_outbox_failures_total', 'Outbox delivery attempts of this instance that failed (retried with backoff).', (w) => w.failures],
    ];
    for (const [name, help, pick] of counters) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const worker = outbox.worker();
          this.reset();
          this.inc(worker ? pick(worker) : 0);
        },
      });
    }
  }

  observeRedis(redis: RedisConnection): void {
    const up = new Gauge({ name: 'engram_redis_up', help: 'Whether Redis is usable (1) or known to be down (0).', registers: [this.registry] });
    const failOpen = new Counter({
      name: 'engram_redis_fail_open_total',
      help: 'Redis commands that failed or were skipped while Redis was down, answered as a cache miss or a skipped rate limit.',
      labelNames: ['use'],
      registers: [this.registry],
    });
    up.set(redis.up ? 1 : 0);
    failOpen.inc({ use: 'cache' }, 0);
    failOpen.inc({ use: 'rateLimit' }, 0);
    redis.onStateChange((state) => up.set(state ? 1 : 0));
    redis.onFailOpen((use) => failOpen.inc({ use }));
  }

  /** Bytes held by each byte-bounded in-process cache, read at scrape time. */
  observeCacheBytes(caches: Readonly<Record<string, () => number>>): void {
    new Gauge({
      name: 'engram_cache_bytes',
      help: 'Estimated bytes held by each in-process cache (documents, apq, contexts); each is bounded by its *_MAX_BYTES setting.',
      labelNames: ['cache'],
      registers: [this.registry],
      collect() {
        for (const [cache, bytes] of Object.entries(caches)) this.set({ cache }, bytes());
      },
    });
  }

  connectionDropped(): void {
    this.#droppedConnections.inc();
  }

  /** Adds gauges read from the store at scrape time: remote calls per provider, breaker states. */
  observeStore(store: ObservedStore): void {
    const providers = () => store.providers();
    new Counter({
      name: 'engram_provider_calls_total',
      help: 'Remote calls made by each provider: SQL statements for postgres, HTTP calls for zep.',
      labelNames: ['provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of providers()) this.inc({ provider: p.name }, p.stats().calls);
      },
    });
    for (const p of store.providers()) this.breaker(p.name, store.breakerState(p.name) ?? 'closed');
  }

  batch(event: BatchEvent): void {
    const { provider, operation } = event;
    const s = series(this.#operationSeries, provider, operation, () => ({
      batches: this.#batches.labels(provider, operation),
      keys: this.#keys.labels(provider, operation),
      size: this.#batchSize.labels(provider, operation),
      duration: this.#batchDuration.labels(provider, operation),
      errors: new Map<ErrorCode, Counter.Internal>(),
    }));
    s.batches.inc();
    s.keys.inc(event.keys);
    s.size.observe(event.keys);
    s.duration.observe(event.latencyMs / 1000);
    for (const code of event.errors) {
      let errors = s.errors.get(code);
      if (!errors) {
        errors = this.#errors.labels(provider, operation, code);
        s.errors.set(code, errors);
      }
      errors.inc();
    }
  }

  cache(context: string, outcome: 'hit' | 'miss' | 'stale'): void {
    series(this.#cacheSeries, context, outcome, () => this.#cache.labels(context, outcome)).inc();
  }

  fallback(context: string, from: string, reason: ErrorCode): void {
    this.#fallbacks.inc({ context, from, reason });
  }

  breaker(provider: string, state: BreakerState): void {
    this.#breaker.set({ provider }, BREAKER_VALUE[state]);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const s = series(this.#httpSeries, method, route, () => ({ duration: this.#httpDuration.labels(method, route), byStatus: new Map<number, Counter.Internal>() }));
    let requests = s.byStatus.get(status);
    if (!requests) {
      requests = this.#httpRequests.labels(method, route, String(status));
      s.byStatus.set(status, requests);
    }
    requests.inc();
    s.duration.observe(seconds);
  }
}
