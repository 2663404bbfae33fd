import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { EngramError, errorMessage, ProviderError } from '../errors/index.js';
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
  /**
   * The policy of delivery rounds (timeout, breaker), as a provider's. Keep its retries at 0 (the
   * default): a retried round could outlive its lease; failed entries are retried by the worker, with
   * backoff and Retry-After, under a new claim.
   */
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
/** Entries of one stream claimed per round. */
const ENTRIES_PER_STREAM = 30;
/** Most messages in one `thread.addMessages` call (Zep's cap). */
const MESSAGES_PER_CALL = 30;
/** The policy's caller signal: a round is never abandoned by its caller (`stop()` waits for it). */
const NEVER = new AbortController().signal;

/** One stream's claimed entries, in id order, and how many of them are delivered. */
interface StreamRun {
  readonly entries: readonly OutboxEntry[];
  done: number;
}

/** Consecutive entries that one Zep call can take: messages up to 30 in all; facts one entry at a time. */
function chunks(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const out: OutboxEntry[][] = [];
  let current: OutboxEntry[] = [];
  let messages = 0;
  for (const entry of entries) {
    const size = entry.kind === 'messages' ? (entry.payload as readonly unknown[]).length : MESSAGES_PER_CALL;
    if (current.length > 0 && messages + size > MESSAGES_PER_CALL) {
      out.push(current);
      current = [];
      messages = 0;
    }
    current.push(entry);
    messages += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

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
    this.#policy = new ProviderPolicy('zep-outbox', options.policy ?? { timeoutMs: 10_000, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 2000 } });
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

  /**
   * One round: claims due streams (each with the entries after its head), delivers each stream's
   * entries in order, in as few Zep calls as it allows, marking them as they are delivered, and
   * gives back what was not. Resolves with the entries delivered and the streams that failed.
   */
  async runOnce(): Promise<{ delivered: number; failed: number; outage: boolean }> {
    const entries = await this.#store.claim(this.#batchSize, this.#leaseMs, ENTRIES_PER_STREAM);
    if (entries.length === 0) return { delivered: 0, failed: 0, outage: false };
    const streams = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const key = `${entry.tenant}\u0000${entry.stream}`;
      const list = streams.get(key);
      if (list) list.push(entry);
      else streams.set(key, [entry]);
    }
    const runs = [...streams.values()].map((list) => ({ entries: list, done: 0 }));
    const results = await this.#policy.run(OPERATION, runs, (signal) => mapConcurrent(runs, this.#concurrency, (run) => this.#deliverRun(run, signal)), NEVER);
    let failed = 0;
    await Promise.all(runs.map(async (run, i) => {
      const result = results[i];
      if (result === true || run.done === run.entries.length) return;
      failed += 1;
      const rest = run.entries.slice(run.done);
      const head = rest[0] as OutboxEntry;
      const asked = result instanceof EngramError ? result.details?.['retryAfterMs'] : undefined;
      const backoff = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(20, head.attempts - 1));
      await this.#store.release(rest, errorMessage(result), Math.max(backoff, typeof asked === 'number' ? asked : 0));
    }));
    const delivered = runs.reduce((n, run) => n + run.done, 0);
    this.#delivered += delivered;
    this.#failures += failed;
    if (failed > 0) this.#logger?.warn({ failed, delivered, breaker: this.#policy.breakerState }, 'outbox: some deliveries to Zep failed; they are retried with backoff');
    return { delivered, failed, outage: failed > 0 && delivered === 0 };
  }

  /** Delivers a stream's entries in order, in chunks Zep takes in one call, marking each chunk delivered. */
  async #deliverRun(run: StreamRun, signal: AbortSignal): Promise<true | EngramError> {
    for (const chunk of chunks(run.entries.slice(run.done))) {
      const keys = chunk.map((e) => `${e.tenant}\u0000${e.id}`);
      const mayHaveReachedZep = chunk.some((e, i) => e.attempts > 1 || this.#tried.has(keys[i] as string));
      for (const key of keys) this.#tried.add(key);
      try {
        await this.#delivery.deliver(chunk, mayHaveReachedZep, signal);
      } catch (error) {
        return toZepEngramError(error, { provider: 'zep', operation: `outbox.${chunk[0]?.kind}` }, this.#delivery.timeoutMs);
      }
      let marked: number;
      try {
        marked = await this.#store.markDelivered(chunk);
      } catch (error) {
        // Zep has the chunk; the next claim compares with Zep before sending, so nothing is sent twice.
        return new ProviderError({ provider: 'postgres', operation: 'outbox.markDelivered' }, 'the database did not take the mark', { cause: error });
      }
      // The lease ran out and another worker may own these entries now: sending more of this
      // stream could interleave with it, so the run stops here (the new owner compares with Zep).
      if (marked < chunk.length) return new ProviderError({ provider: 'postgres', operation: 'outbox.markDelivered' }, 'the lease on these entries ran out before they were marked');
      run.done += chunk.length;
      for (const key of keys) this.#tried.delete(key);
    }
    return true;
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
