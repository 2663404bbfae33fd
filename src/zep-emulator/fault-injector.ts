import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { formatIssues, mustBe, onlyKeys } from './emulator-api-error.js';

/** Faults the emulator injects into every `/api/v2` request. */
export interface FaultSettings {
  /** Answer every API request with `statusCode`. @default false */
  outage: boolean;
  /**
   * Share (0..1) of API requests answered with `statusCode`. Deterministic: failures are spread
   * evenly, e.g. 0.25 fails every 4th request and 1 fails all of them. @default 0
   */
  errorRate: number;
  /** HTTP status of injected failures (400..599). @default 503 */
  statusCode: number;
  /** Delay (ms) before any API request is answered; cut short when the client disconnects. @default 0 */
  latencyMs: number;
  /** `Retry-After` (seconds) sent with injected failures; 0 sends none. @default 0 */
  retryAfterSeconds: number;
}

const defaultFaults: Readonly<FaultSettings> = Object.freeze({
  outage: false,
  errorRate: 0,
  statusCode: 503,
  latencyMs: 0,
  retryAfterSeconds: 0,
});

const rate = mustBe('a number from 0 to 1');
const status = mustBe('an integer HTTP status from 400 to 599');
const latency = mustBe('an integer number of milliseconds from 0 to 600000');
const retryAfter = mustBe('an integer number of seconds from 0 to 3600');

/**
 * A partial {@link FaultSettings}; unknown keys are rejected so that typos do not pass silently.
 * @internal
 */
export const faultPatchSchema = z.strictObject(
  {
    outage: z.boolean(mustBe('a boolean')).optional(),
    errorRate: z.number(rate).min(0, rate).max(1, rate).optional(),
    statusCode: z.number(status).int(status).min(400, status).max(599, status).optional(),
    latencyMs: z.number(latency).int(latency).min(0, latency).max(600_000, latency).optional(),
    retryAfterSeconds: z.number(retryAfter).int(retryAfter).min(0, retryAfter).max(3600, retryAfter).optional(),
  },
  onlyKeys(['outage', 'errorRate', 'statusCode', 'latencyMs', 'retryAfterSeconds']),
);

export type FaultDecision =
  | { readonly fail: false }
  | { readonly fail: true; readonly statusCode: number; readonly message: string };

// Floating point sums of e.g. 0.1 reach 0.9999999999999999 after ten requests.
const EPSILON = 1e-9;

/**
 * Holds the fault settings of one emulator and decides, request by request, whether to fail.
 * @internal
 */
export class FaultInjector {
  #settings: FaultSettings = { ...defaultFaults };
  #errorBudget = 0;

  get(): FaultSettings {
    return { ...this.#settings };
  }

  /** Applies `patch` and returns the new settings; throws a `RangeError` (and changes nothing) on invalid values. */
  set(patch: Partial<FaultSettings>): FaultSettings {
    const parsed = faultPatchSchema.safeParse(patch);
    if (!parsed.success) throw new RangeError(`invalid fault settings: ${formatIssues(parsed.error.issues)}`);
    const next: FaultSettings = { ...this.#settings };
    if (parsed.data.outage !== undefined) next.outage = parsed.data.outage;
    if (parsed.data.errorRate !== undefined) {
      next.errorRate = parsed.data.errorRate;
      this.#errorBudget = 0;
    }
    if (parsed.data.statusCode !== undefined) next.statusCode = parsed.data.statusCode;
    if (parsed.data.latencyMs !== undefined) next.latencyMs = parsed.data.latencyMs;
    if (parsed.data.retryAfterSeconds !== undefined) next.retryAfterSeconds = parsed.data.retryAfterSeconds;
    this.#settings = next;
    return this.get();
  }

  reset(): void {
    this.#settings = { ...defaultFaults };
    this.#errorBudget = 0;
  }

  get retryAfterSeconds(): number {
    return this.#settings.retryAfterSeconds;
  }

  get latencyMs(): number {
    return this.#settings.latencyMs;
  }

  /** Decides the fate of the next API request (and consumes error budget). */
  decide(): FaultDecision {
    const { outage, errorRate, statusCode } = this.#settings;
    if (outage) return { fail: true, statusCode, message: `Zep emulator: injected outage (HTTP ${statusCode})` };
    if (errorRate > 0) {
      this.#errorBudget += errorRate;
      if (this.#errorBudget >= 1 - EPSILON) {
        this.#errorBudget -= 1;
        return {
          fail: true,
          statusCode,
          message: `Zep emulator: injected error (errorRate ${errorRate}, HTTP ${statusCode})`,
        };
      }
    }
    return { fail: false };
  }
}

/** Waits `ms`; resolves `false` as soon as `signal` aborts (the timer is cleared, nothing keeps the process alive). */
export async function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}
