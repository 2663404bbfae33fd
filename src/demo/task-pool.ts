/** Thrown for tasks that were not started because an earlier task of the pool failed. @internal */
export class TaskPoolAbortedError extends Error {
  constructor(cause: unknown) {
    super('not started: an earlier task failed', { cause });
    this.name = 'TaskPoolAbortedError';
  }
}

/**
 * Runs at most `concurrency` tasks at a time. After the first failure, queued and later tasks are
 * not started (they reject with {@link TaskPoolAbortedError}), so a failing server is not flooded.
 * @internal
 */
export class TaskPool {
  readonly #concurrency: number;
  readonly #queue: Array<() => void> = [];
  #running = 0;
  #failure: { readonly error: unknown } | undefined;

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, received ${concurrency}`);
    }
    this.#concurrency = concurrency;
  }

  /** The first error a task threw, if any. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#running += 1;
    try {
      if (this.#failure !== undefined) throw new TaskPoolAbortedError(this.#failure.error);
      return await task();
    } catch (error) {
      this.#failure ??= { error };
      throw error;
    } finally {
      const next = this.#queue.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }
}
