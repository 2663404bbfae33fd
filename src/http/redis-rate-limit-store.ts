import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/index.js';

// INCR and the window's TTL in one round trip. The TTL is (re)set whenever the key has none, so
// no counter can outlive its window, even one left behind by an interrupted earlier write.
const INCREMENT = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`;

type CountingRedis = Redis & { engramRateLimit(key: string, windowMs: number): Promise<[number, number]> };

/** Thrown to the rate limiter, whose `skipOnError` lets the request through. */
class RedisUnavailableError extends Error {
  constructor() {
    super('Redis is unavailable; the rate limit is not applied to this request.');
    this.name = 'RedisUnavailableError';
  }
}

/**
 * A @fastify/rate-limit store on the shared `RedisConnection`: counters fail open at once while
 * Redis is down (the plugin's `skipOnError` then lets the request through) instead of each
 * request waiting for a command timeout, and every counter key has a TTL.
 */
export function redisRateLimitStore(connection: RedisConnection, windowMs: number, prefix: string): FastifyRateLimitStoreCtor {
  const client = connection.client as CountingRedis;
  if (typeof client.engramRateLimit !== 'function') client.defineCommand('engramRateLimit', { numberOfKeys: 1, lua: INCREMENT });

  class RedisRateLimitStore implements FastifyRateLimitStore {
    readonly #prefix: string;

    constructor(_options?: unknown, keyPrefix = prefix) {
      this.#prefix = keyPrefix;
    }

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
      void connection.attempt('rateLimit', (redis) => (redis as CountingRedis).engramRateLimit(this.#prefix + key, windowMs)).then((result) => {
        if (result.ok) callback(null, { current: Number(result.value[0]), ttl: Number(result.value[1]) });
        else callback(new RedisUnavailableError());
      });
    }

    // Routes with their own rate-limit config get their own counters. The plugin passes its
    // merged params with `routeInfo`, not the route options its typings announce.
    child(routeOptions: object): FastifyRateLimitStore {
      const route = (routeOptions as { readonly routeInfo?: { readonly method?: unknown; readonly url?: unknown } }).routeInfo ?? {};
      return new RedisRateLimitStore(undefined, `${this.#prefix}${String(route.method)}${String(route.url)}-`);
    }
  }
  return RedisRateLimitStore;
}
