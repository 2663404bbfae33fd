import { ForbiddenError } from '../errors/index.js';
import type { CompiledAccessRule, OwnerRule } from './access-rule.js';
import { hasScope, type Principal } from './principal.js';

/** Loads the owner of a record through the owner rule's operation (batched by the caller). */
export type OwnerLookup = (lookup: Exclude<OwnerRule<unknown>, (args: unknown) => string>, args: unknown) => Promise<unknown>;

/**
 * Applies a context's access rule to a principal. Denials read the same whether or not the record
 * exists; an owner that cannot be looked up fails (closed, not open).
 */
export async function authorize(context: string, rule: CompiledAccessRule, args: unknown, principal: Principal, lookupOwner: OwnerLookup): Promise<void> {
  if (rule.public) return;
  const missing = rule.scopes.find((scope) => !hasScope(principal, scope));
  if (missing !== undefined) {
    throw new ForbiddenError(`Reading "${context}" requires the scope "${missing}".`, { context, requiredScope: missing });
  }
  const owner = rule.owner;
  if (!owner || rule.anyScopes.every((scope) => principal.scopes.has(scope))) return;
  const ownerId = typeof owner === 'function' ? owner(args) : await lookupOwner(owner, args);
  if (ownerId !== principal.subject) {
    throw new ForbiddenError(`"${context}" can be read only for records of your own subject, or with the scope "${rule.anyScopes.join('", "')}".`, { context });
  }
}
