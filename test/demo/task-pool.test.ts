import { describe, expect, it } from 'vitest';
import { TaskPool, TaskPoolAbortedError } from '../../src/demo/index.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('TaskPool', () => {
  it('never runs more than `concurrency` tasks at once and runs them all', async () => {
    const pool = new TaskPool(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        pool.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await tick(5);
          running -= 1;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it('does not start queued tasks after a failure', async () => {
    const pool = new TaskPool(1);
    const started: number[] = [];
    const boom = new Error('boom');
    const outcomes = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        pool.run(async () => {
          started.push(i);
          if (i === 0) throw boom;
          return i;
        }),
      ),
    );
    expect(started).toEqual([0]);
    expect(outcomes[0]).toEqual({ status: 'rejected', reason: boom });
    expect(outcomes[1]).toEqual({ status: 'rejected', reason: new TaskPoolAbortedError(boom) });
    expect(pool.failure).toEqual({ error: boom });
  });

  it('rejects a concurrency that is not a positive integer', () => {
    expect(() => new TaskPool(0)).toThrow(new RangeError('concurrency must be a positive integer, received 0'));
  });
});
