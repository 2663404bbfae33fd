import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/**
 * Engram's tracer. A no-op unless the process registers an OpenTelemetry SDK
 * (e.g. `node --import @opentelemetry/auto-instrumentations-node/register`).
 */
export const tracer = trace.getTracer('engram');

/** Runs `fn` in an active span, recording a thrown error on it. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
