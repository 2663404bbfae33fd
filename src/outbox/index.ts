export { OutboxStore } from './outbox-store.js';
export type { OutboxEntry, OutboxStatus } from './outbox-store.js';
export { OutboxWorker } from './outbox-worker.js';
export type { OutboxWorkerOptions, OutboxWorkerStats } from './outbox-worker.js';
export { ZepDelivery } from './zep-delivery.js';
export type { ZepDeliveryOptions } from './zep-delivery.js';
export type { OutboxFact, OutboxMessage } from './outbox-payload.js';
