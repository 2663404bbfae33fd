export { byteBoundedLru, MAX_ENTRY_SHARE } from './byte-bounded-lru.js';
export type { ByteBoundedLruOptions } from './byte-bounded-lru.js';
export { estimateBytes, stringBytes } from './estimate-bytes.js';
