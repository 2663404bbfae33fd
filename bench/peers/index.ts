export { createPeerLoaders } from './peer-loaders.js';
export type { Fact, PeerBackends, PeerCounters, PeerLoaders, ThreadContext, UserFactsKey, UserProfile } from './peer-loaders.js';
export { createPeerSchema } from './peer-schema.js';
export type { PeerContext } from './peer-schema.js';
export { BENCH_POOL_SIZE, BENCH_TENANT, BENCH_ZEP_TUNING, PEER_SQL } from './peer-sql.js';
export { isPeerKind, PEER_KINDS } from './peer-kinds.js';
export type { PeerKind } from './peer-kinds.js';
