import { createHash } from 'node:crypto';
import type { Principal } from '../auth/index.js';
import type { CachePolicy } from '../context/index.js';

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
