import type { ContextSource } from '../context/index.js';
import { ContractViolationError, DeadlineExceededError, EngramError, type ErrorCode } from '../errors/index.js';
import type { SourceAttempt } from './provenance.js';

export interface ResolveSourcesInput {
  readonly sources: ReadonlyArray<ContextSource<unknown, unknown>>;
  readonly args: unknown;
  /** Milliseconds left before the request's deadline; asked before each source. */
  remainingMs(): number;
  /** Loads a source's key within `remainingMs`; rejects with the source's error. */
  load(source: ContextSource<unknown, unknown>, key: unknown, remainingMs: number): Promise<unknown>;
  /** The error of a request out of time. */
  deadlineExceeded(): EngramError;
  /** How the primary failed when the caller already tried it: it is recorded, not loaded again. */
  readonly primaryError?: { readonly error: unknown };
  /** The caller already loaded the primary and it passed on (see `ContextSource.passOn`). */
  readonly primaryPassed?: boolean;
}

/** The outcome of trying a context's sources in order. */
export type Resolution =
  | {
      readonly ok: true;
      readonly value: unknown;
      readonly source: ContextSource<unknown, unknown>;
      /** True when a source other than the primary answered. */
      readonly fallback: boolean;
      /** Error code of the primary when `fallback` is true. */
      readonly fallbackReason?: ErrorCode;
      /** Every source tried, present only when one failed. */
      readonly attempts?: readonly SourceAttempt[];
    }
  | { readonly ok: false; readonly error: unknown; readonly attempts: readonly SourceAttempt[] };

export function errorCode(error: unknown): ErrorCode {
  return error instanceof EngramError ? error.code : 'INTERNAL_SERVER_ERROR';
}

/**
 * Tries sources in order until one answers: the primary, then each fallback. A missing value
 * (`null`) is an answer, not a failure. Stops early when the deadline has passed, or on a broken
 * provider contract (a bug that a fallback must not hide). Pure apart from `load`: tests drive it
 * with a fake loader.
 */
export async function resolveSources(input: ResolveSourcesInput): Promise<Resolution> {
  // Attempts are listed only when something went wrong (a fallback or a failure).
  let attempts: SourceAttempt[] | undefined;
  let lastError: unknown;
  const { sources, args, primaryError } = input;
  // Sources that passed on: the first one after them is the primary (no fallback).
  let primary = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i] as ContextSource<unknown, unknown>;
    try {
      if (i === 0 && primaryError) throw primaryError.error;
      if (i === 0 && input.primaryPassed) {
        primary = 1;
        continue;
      }
      const remaining = input.remainingMs();
      if (remaining <= 0) {
        lastError = input.deadlineExceeded();
        break;
      }
      const loaded = await input.load(source, source.key(args), remaining);
      if (source.passOn?.(loaded) === true && i < sources.length - 1) {
        if (primary === i) primary = i + 1;
        continue;
      }
      const value = loaded === null || loaded === undefined ? null : source.map(loaded, args);
      const first = attempts?.[0];
      attempts?.push({ provider: source.provider, operation: source.operation });
      return {
        ok: true,
        value,
        source,
        fallback: i > primary,
        ...(first?.error ? { fallbackReason: first.error } : {}),
        ...(attempts ? { attempts } : {}),
      };
    } catch (error) {
      lastError = error;
      attempts ??= [];
      attempts.push({ provider: source.provider, operation: source.operation, error: errorCode(error) });
      if (error instanceof DeadlineExceededError || error instanceof ContractViolationError) break;
    }
  }
  return { ok: false, error: lastError ?? input.deadlineExceeded(), attempts: attempts ?? [] };
}
