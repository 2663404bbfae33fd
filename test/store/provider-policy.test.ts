import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProviderTimeoutError, ProviderUnavailableError } from '../../src/errors/index.js';
import { ProviderPolicy, type BreakerState } from '../../src/store/index.js';

const never = new AbortController().signal;
const outage = (retryAfterMs?: number) =>
  new ProviderUnavailableError({ provider: 'p', operation: 'op' }, 'down', retryAfterMs === undefined ? {} : { retryAfterMs });

describe('ProviderPolicy', () => {
  it('opens after consecutive failed batches, then fails at once without calling the provider, and closes after a good probe', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 300 } });
    const states: BreakerState[] = [];
    policy.onBreakerChange((s) => states.push(s));
    let calls = 0;
    let healthy = false;
    const load = async () => {
      calls += 1;
      return healthy ? ['ok'] : [outage()];
    };
    await policy.run('op', ['k'], load, never);
    await policy.run('op', ['k'], load, never);
    expect(policy.breakerState).toBe('open');
    const [refused] = await policy.run('op', ['k'], load, never);
    expect(calls).toBe(2);
    expect((refused as Error).message).toBe('Provider "p" is unavailable for "op": its circuit breaker is open.');
    healthy = true;
    await sleep(400);
    expect(await policy.run('op', ['k'], load, never)).toEqual(['ok']);
    expect(policy.breakerState).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('counts a batch as failed only when every key failed as an outage', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1 } });
    const results = await policy.run('op', ['a', 'b'], async () => [outage(), 'fine'], never);
    expect(results[1]).toBe('fine');
    expect(policy.breakerState).toBe('closed');
  });

  it('retries a failed batch, waiting at least as long as Retry-After asks', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5000 }, breaker: { consecutiveFailures: 100 } });
    const at: number[] = [];
    const results = await policy.run('op', ['k'], async () => {
      at.push(performance.now());
      return at.length === 1 ? [outage(400)] : ['second time'];
    }, never);
    expect(results).toEqual(['second time']);
    expect(at).toHaveLength(2);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(390);
  });

  it('aborts a batch\'s signal at its timeout (PROVIDER_TIMEOUT), and reports a cancelled request as unavailable', async () => {
    const policy = new ProviderPolicy('p', { timeoutMs: 100, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 100 } });
    // A provider that honours its batch signal, as the Zep SDK and the pg cancellation do.
    const slow = async (signal: AbortSignal) => {
      await sleep(5000, undefined, { signal });
      return ['late'];
    };
    const [timedOut] = await policy.run('op', ['k'], slow, never);
    expect(timedOut).toBeInstanceOf(ProviderTimeoutError);
    const [cancelled] = await policy.run('op', ['k'], slow, AbortSignal.abort());
    expect((cancelled as Error).message).toBe('Provider "p" is unavailable for "op": the request was cancelled.');
  });

  it('sheds batches beyond the bulkhead\'s limit and queue', async () => {
    const policy = new ProviderPolicy('p', { bulkhead: { limit: 1, queue: 0 }, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 100 } });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = policy.run('op', ['a'], async () => {
      await gate;
      return ['a'];
    }, never);
    const [second] = await policy.run('op', ['b'], async () => ['b'], never);
    expect((second as Error).message).toBe('Provider "p" is unavailable for "op": too many requests are in flight.');
    release();
    expect(await first).toEqual(['a']);
  });
});
