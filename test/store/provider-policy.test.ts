import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProviderTimeoutError, ProviderUnavailableError } from '../../src/errors/index.js';
import { ProviderPolicy, type BreakerState } from '../../src/store/index.js';

const never = new AbortController().signal;
const outage = (retryAfterMs?: number) =>
  new ProviderUnavailableError({ provider: 'p', operation: 'op' }, 'down', retryAfterMs === undefined ? {} : { retryAfterMs });

/** A promise and the function that resolves it. */
function gated(): { gate: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { gate, release };
}

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

  it('runs batches outside cockatiel while the breaker is closed, and through it while open or half-open', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 200 } });
    let healthy = true;
    const load = async () => (healthy ? ['ok'] : [outage()]);
    expect(await policy.run('op', ['k'], load, never)).toEqual(['ok']);
    expect(policy.fastRuns).toBe(1);
    healthy = false;
    await policy.run('op', ['k'], load, never);
    expect(policy.fastRuns).toBe(2);
    expect(policy.breakerState).toBe('open');
    const [refused] = await policy.run('op', ['k'], load, never);
    expect((refused as Error).message).toBe('Provider "p" is unavailable for "op": its circuit breaker is open.');
    expect(policy.fastRuns).toBe(2);
    healthy = true;
    await sleep(250);
    // The half-open probe goes through cockatiel; once it closed the breaker, the fast path is back.
    expect(await policy.run('op', ['k'], load, never)).toEqual(['ok']);
    expect(policy.fastRuns).toBe(2);
    expect(policy.breakerState).toBe('closed');
    expect(await policy.run('op', ['k'], load, never)).toEqual(['ok']);
    expect(policy.fastRuns).toBe(3);
  });

  it('counts failures of the fast path toward the breaker as before: a success in between resets, retries count', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 2 } });
    const failing = async () => [outage()];
    const fine = async () => ['ok'];
    await policy.run('op', ['k'], failing, never);
    await policy.run('op', ['k'], fine, never);
    await policy.run('op', ['k'], failing, never);
    expect(policy.breakerState).toBe('closed');
    await policy.run('op', ['k'], failing, never);
    expect(policy.breakerState).toBe('open');

    // A failed first attempt is retried through cockatiel, and both attempts count.
    const retrying = new ProviderPolicy('p', { retry: { maxAttempts: 1, initialDelayMs: 1 }, breaker: { consecutiveFailures: 2 } });
    let calls = 0;
    const [result] = await retrying.run('op', ['k'], async () => {
      calls += 1;
      return [outage()];
    }, never);
    expect(calls).toBe(2);
    expect(retrying.breakerState).toBe('open');
    expect((result as Error).message).toBe('Provider "p" is unavailable for "op": down.');
  });

  it('maps a thrown load on the fast path as before, without counting it toward the breaker', async () => {
    const policy = new ProviderPolicy('p', { retry: { maxAttempts: 1, initialDelayMs: 1 }, breaker: { consecutiveFailures: 1 } });
    let calls = 0;
    const [result] = await policy.run('op', ['k'], async () => {
      calls += 1;
      throw new Error('bug');
    }, never);
    expect(calls).toBe(1);
    expect((result as Error).message).toBe('Provider "p" is unavailable for "op": the batch failed.');
    expect(policy.breakerState).toBe('closed');
  });

  it('holds fast-path batches to the bulkhead: a full bulkhead queues, a full queue sheds', async () => {
    const policy = new ProviderPolicy('p', { bulkhead: { limit: 1, queue: 1 }, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 100 } });
    const { gate, release } = gated();
    const order: string[] = [];
    const first = policy.run('op', ['a'], async () => {
      order.push('a');
      await gate;
      return ['a'];
    }, never);
    const second = policy.run('op', ['b'], async () => {
      order.push('b');
      return ['b'];
    }, never);
    const [third] = await policy.run('op', ['c'], async () => ['c'], never);
    expect((third as Error).message).toBe('Provider "p" is unavailable for "op": too many requests are in flight.');
    await sleep(10);
    expect(order).toEqual(['a']);
    release();
    expect(await first).toEqual(['a']);
    expect(await second).toEqual(['b']);
    expect(order).toEqual(['a', 'b']);
    expect(policy.fastRuns).toBe(2);
  });

  it('answers a queued batch whose request went away as cancelled, without loading it', async () => {
    const policy = new ProviderPolicy('p', { bulkhead: { limit: 1, queue: 1 }, retry: { maxAttempts: 0 } });
    const { gate, release } = gated();
    const first = policy.run('op', ['a'], async () => {
      await gate;
      return ['a'];
    }, never);
    const client = new AbortController();
    let loaded = false;
    const queued = policy.run('op', ['b'], async () => {
      loaded = true;
      return ['b'];
    }, client.signal);
    client.abort();
    release();
    await first;
    const [cancelled] = await queued;
    expect(loaded).toBe(false);
    expect((cancelled as Error).message).toBe('Provider "p" is unavailable for "op": the request was cancelled.');
    expect(await policy.run('op', ['c'], async () => ['c'], never)).toEqual(['c']);
  });
});
