import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { EngramError, errorMessage } from '../errors/index.js';
import { mapConcurrent } from '../providers/index.js';
import { toZepEngramError } from '../providers/zep/index.js';
import { ProviderPolicy, type BreakerState, type ProviderPolicyOptions } from '../store/index.js';
import type { OutboxEntry, OutboxStore } from './outbox-store.js';
import type { ZepDelivery } from './zep-delivery.js';

export interface OutboxWorkerOptions {
  /**
   * How long the worker waits before looking again when nothing was due.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * Stream heads claimed per round (delivered concurrently, one per thread or user).
   * @default 32
   */
  readonly batchSize?: number;
  /**
   * Concurrent Zep deliveries of one round.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * How long a claim holds; a crashed worker's entries are claimed again after it. Keep it well
   * above a delivery's time (Zep timeout × calls per entry).
   * @default 60000
   */
  readonly leaseMs?: number;
  /**
   * Backoff of a failed entry: doubles per attempt from `initialMs` up to `maxMs`; a longer
   * `Retry-After` from Zep wins.
   * @default { initialMs: 500, maxMs: 5000 }
   */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** The policy of delivery rounds (timeout, retry with Retry-After, breaker), as a provider's. */
  readonly policy?: ProviderPolicyOptions;
  readonly logger?: Logger | false;
}

/** Counters of one worker since it started. */
export interface OutboxWorkerStats {
  readonly delivered: number;
  readonly failures: number;
  readonly breaker: BreakerState;
}

const OPERATION = 'deliver';

/**
 * Delivers the outbox to Zep: claims due stream heads, delivers them under the provider policy
 * (`ProviderPolicy`: timeout, retry honouring `Retry-After`, circuit breaker), marks them
 * delivered, and gives failed ones back with a backoff. While Zep is down (every delivery of a
 * round failing, or the breaker open) it waits before claiming again. `stop()` lets a round in
 * flight finish and mark what it delivered. Its timers never keep a process alive.
 */
export class OutboxWorker {
  readonly #store: OutboxStore;
  readonly #delivery: ZepDelivery;
  readonly #policy: ProviderPolicy;
  readonly #logger: Logger | undefined;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  // Entries this process sent at least once: a retry must first ask Zep what it already holds.
  readonly #tried = new Set<string>();
  #delivered = 0;
  #failures = 0;
  #running: Promise<void> | undefined;
  #stop = new AbortController();

  constructor(store: OutboxStore, delivery: ZepDelivery, options: OutboxWorkerOptions = {}) {
    this.#store = store;
    this.#delivery = delivery;
    this.#policy = new ProviderPolicy('zep-outbox', options.policy ?? { timeoutMs: 10_000, retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 2000 } });
    this.#logger = options.logger === false || options.logger === undefined ? undefined : options.logger;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 32;
    this.#concurrency = options.concurrency ?? 8;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#initialBackoffMs = options.backoff?.initialMs ?? 500;
    this.#maxBackoffMs = options.backoff?.maxMs ?? 5000;
  }

  stats(): OutboxWorkerStats {
    return { delivered: this.#delivered, failures: this.#failures, breaker: this.#policy.breakerState };
  }

  /** Starts the delivery loop (once). */
  start(): void {
    if (this.#running) return;
    this.#stop = new AbortController();
    this.#running = this.#loop(this.#stop.signal);
  }

  /** Stops claiming, lets the round in flight finish, then resolves. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    this.#running = undefined;
  }

  /** One round: claims due heads and delivers them; resolves with how many were delivered and failed. */
  async runOnce(): Promise<{ delivered: number; failed: number; outage: boolean }> {
    const entries = await this.#store.claim(this.#batchSize, this.#leaseMs);
    if (entries.length === 0) return { delivered: 0, failed: 0, outage: false };
    const results = await this.#policy.run(OPERATION, entries, (signal) => mapConcurrent(entries, this.#concurrency, (entry) => this.#deliverOne(entry, signal)), new AbortController().signal);
    let delivered = 0;
    let failed = 0;
    await Promise.all(entries.map(async (entry, i) => {
      const result = results[i];
      if (result === true) {
        if (await this.#store.markDelivered(entry)) delivered += 1;
        this.#tried.delete(`${entry.tenant}\u0000${entry.id}`);
        return;
      }
      failed += 1;
      const asked = result instanceof EngramError ? result.details?.['retryAfterMs'] : undefined;
      const backoff = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(20, entry.attempts - 1));
      await this.#store.release(entry, errorMessage(result), Math.max(backoff, typeof asked === 'number' ? asked : 0));
    }));
    this.#delivered += delivered;
    this.#failures += failed;
    if (failed > 0) this.#logger?.warn({ failed, delivered, breaker: this.#policy.breakerState }, 'outbox: some deliveries to Zep failed; they are retried with backoff');
    return { delivered, failed, outage: failed > 0 && delivered === 0 };
  }

  async #deliverOne(entry: OutboxEntry, signal: AbortSignal): Promise<true | EngramError> {
    const key = `${entry.tenant}\u0000${entry.id}`;
    const mayHaveReachedZep = entry.attempts > 1 || this.#tried.has(key);
    this.#tried.add(key);
    try {
      await this.#delivery.deliver(entry, mayHaveReachedZep, signal);
      return true;
    } catch (error) {
      return toZepEngramError(error, { provider: 'zep', operation: `outbox.${entry.kind}` }, this.#delivery.timeoutMs);
    }
  }

  async #loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let wait = 0;
      try {
        const round = await this.runOnce();
        if (round.delivered + round.failed === 0) wait = this.#pollMs;
        else if (round.outage) wait = Math.max(this.#pollMs, this.#initialBackoffMs);
      } catch (error) {
        // The database is down or busy: the entries stay where they are, tried again after a pause.
        this.#logger?.warn({ err: errorMessage(error) }, 'outbox: could not claim or mark entries; retrying');
        wait = Math.max(this.#pollMs, this.#initialBackoffMs);
      }
      if (wait > 0) await sleep(wait, undefined, { signal: stop, ref: false }).catch(() => undefined);
    }
  }
}
