export type { Provenance, SourceAttempt } from './provenance.js';
export { StoreSession, VirtualStore } from './virtual-store.js';
export type { ContextResult, GetOptions, SessionOptions, VirtualStoreOptions } from './virtual-store.js';
