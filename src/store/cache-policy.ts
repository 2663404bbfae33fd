import { createHash } from 'node:crypto';
import type { Principal } from '../auth/index.js';
import type { CachePolicy } from '../context/index.js';
import type { CacheEntry } from './context-cache.js';

/**
 * The cross-request cache key of a context value. The only place keys are built, and it cannot be
 * called without a verified principal: every key carries the tenant, and the subject too when the
 * definition caches per subject. Arguments are hashed, so a key never embeds unbounded client input.
 */
export function contextCacheKey(principal: Principal, context: string, policy: CachePolicy, args: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(args) ?? 'null').digest('base64url');
  // The subject is hashed too: it is bounded, but may contain the separator.
  const who = policy.scope === 'subject' ? createHash('sha256').update(principal.subject).digest('base64url').slice(0, 22) : '*';
  return `${principal.tenant}|${context}|${who}|${digest}`;
}

/** How long an entry is kept: its TTL plus the stale-if-error window. */
export function retainMs(policy: CachePolicy): number {
  return (policy.ttlSeconds + (policy.staleIfErrorSeconds ?? 0)) * 1000;
}

/** Within its TTL: served without asking any source. */
export function isFresh(entry: CacheEntry, policy: CachePolicy, now = Date.now()): boolean {
  return now - entry.storedAt < policy.ttlSeconds * 1000;
}

/** Past its TTL but within the stale-if-error window: served only when every source failed. */
export function isServableStale(entry: CacheEntry, policy: CachePolicy, now = Date.now()): boolean {
  return now - entry.storedAt < retainMs(policy);
}
