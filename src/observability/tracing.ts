import { ProxyTracerProvider, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { errorMessage } from '../errors/index.js';

/**
 * Engram's tracer. A no-op unless the process registers an OpenTelemetry SDK
 * (e.g. `node --import @opentelemetry/auto-instrumentations-node/register`).
 */
export const tracer = trace.getTracer('engram');

/**
 * True once an OpenTelemetry SDK is registered. Checked per call (it is two property reads) so
 * that spans are skipped entirely, not just made no-ops, when nobody listens.
 */
export function isTracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate().constructor.name !== 'NoopTracerProvider';
}

/** Runs `fn` in an active span (when tracing is enabled), recording a thrown error on it. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!isTracingEnabled()) return fn(undefined);
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
