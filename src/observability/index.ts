export { EngramMetrics } from './engram-metrics.js';
export { inSpan, tracer } from './tracing.js';
