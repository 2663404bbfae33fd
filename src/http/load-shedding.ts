import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface LoadSheddingOptions {
  /**
   * Answer 503 while the event loop's mean delay over the last sample exceeds this.
   * @default 1000
   */
  readonly maxEventLoopDelayMs?: number;
  /**
   * …or while the event loop was busier than this share (0–1) of the last sample. A saturated
   * but healthy server runs close to 1, so this sheds at full load, not only when it is stuck;
   * `0` turns it off.
   * @default 0
   */
  readonly maxEventLoopUtilization?: number;
  /**
   * How often pressure is sampled.
   * @default 1000
   */
  readonly sampleIntervalMs?: number;
  /** @default 5 */
  readonly retryAfterSeconds?: number;
}

/** The pressure measured over the last sample interval. */
interface Pressure {
  eventLoopDelayMs: number;
  eventLoopUtilization: number;
}

/**
 * Load shedding: while the event loop lags (or, if asked, is saturated), requests answer 503 with
 * `Retry-After` before any work is done. Sampling reads only in-process counters (no file
 * descriptors: the check keeps working, and cannot throw, when descriptors run out), and a
 * failed sample counts as no pressure rather than an error.
 */
export function registerLoadShedding(app: FastifyInstance, options: LoadSheddingOptions, exempt: (request: FastifyRequest) => boolean): void {
  const maxDelay = options.maxEventLoopDelayMs ?? 1000;
  const maxUtilization = options.maxEventLoopUtilization ?? 0;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  const pressure: Pressure = { eventLoopDelayMs: 0, eventLoopUtilization: 0 };

  const sample = (): void => {
    try {
      // The histogram's resolution is itself counted as delay: subtract it, as under-pressure does.
      const mean = histogram.mean / 1e6 - 10;
      pressure.eventLoopDelayMs = Number.isFinite(mean) ? Math.max(0, mean) : 0;
      histogram.reset();
      const current = performance.eventLoopUtilization();
      pressure.eventLoopUtilization = performance.eventLoopUtilization(current, previous).utilization;
      previous = current;
    } catch {
      pressure.eventLoopDelayMs = 0;
      pressure.eventLoopUtilization = 0;
    }
  };
  const timer = setInterval(sample, options.sampleIntervalMs ?? 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    histogram.disable();
  });

  app.addHook('onRequest', async (request, reply) => {
    const overDelay = maxDelay > 0 && pressure.eventLoopDelayMs > maxDelay;
    const overUtilization = maxUtilization > 0 && pressure.eventLoopUtilization > maxUtilization;
    if ((!overDelay && !overUtilization) || exempt(request)) return;
    const reason = overDelay
      ? `event loop delay ${Math.round(pressure.eventLoopDelayMs)} ms > ${maxDelay} ms`
      : `event loop utilization ${pressure.eventLoopUtilization.toFixed(2)} > ${maxUtilization}`;
    return reply
      .status(503)
      .header('retry-after', retryAfter)
      .send({ error: { code: 'SERVICE_OVERLOADED', message: `The server is overloaded (${reason}); retry later.` } });
  });
}
