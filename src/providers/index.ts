export { groupByOrdinal, mapConcurrent, resultsByKey } from './batch-results.js';
export { operationId, operationRef } from './operation.js';
export type { OperationContext, OperationRef, ProviderOperation } from './operation.js';
export { BaseProvider } from './provider.js';
export type { Provider, ProviderHealth } from './provider.js';
export { ProviderStatsRecorder } from './provider-stats.js';
export type { OperationStats, ProviderStats } from './provider-stats.js';
