export { EngramMetrics } from './engram-metrics.js';
export { inSpan, isTracingEnabled, tracer } from './tracing.js';
export { noopObserver } from './store-observer.js';
export type { BatchEvent, BreakerState, StoreObserver } from './store-observer.js';
