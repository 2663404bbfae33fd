export { RedisConnection } from './redis-connection.js';
export type { RedisAttempt, RedisConnectionOptions, RedisUse } from './redis-connection.js';
