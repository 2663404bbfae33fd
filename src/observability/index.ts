export { EngramMetrics } from './engram-metrics.js';
export { inSpan, isTracingEnabled, tracer } from './tracing.js';
