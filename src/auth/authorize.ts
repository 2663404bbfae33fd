import { ForbiddenError } from '../errors/index.js';
import type { CompiledAccessRule, OwnerRule } from './access-rule.js';
import type { Principal } from './principal.js';

/** Loads the owner of a record through the owner rule's operation (batched by the caller). */
export type OwnerLookup = (lookup: Exclude<OwnerRule<unknown>, (args: unknown) => string>, args: unknown) => Promise<unknown>;

/**
 * Applies a context's access rule to a principal. Denials read the same whether or not the record
 * exists; an owner that cannot be looked up fails (closed, not open).
 */
export async function authorize(context: string, rule: CompiledAccessRule, args: unknown, principal: Principal, lookupOwner: OwnerLookup): Promise<void> {
  await authorizeNow(context, rule, args, principal, lookupOwner);
}

/**
 * `authorize` without a promise when no owner has to be looked up (the common case): throws a
 * denial at once, returns `undefined` when allowed, or the pending lookup's check.
 */
export function authorizeNow(context: string, rule: CompiledAccessRule, args: unknown, principal: Principal, lookupOwner: OwnerLookup): Promise<void> | undefined {
  if (rule.public) return undefined;
  const { scopes } = principal;
  for (let i = 0; i < rule.scopes.length; i++) {
    const scope = rule.scopes[i] as string;
    if (!scopes.has(scope) && !scopes.has(rule.anyScopes[i] as string)) {
      throw new ForbiddenError(`Reading "${context}" requires the scope "${scope}".`, { context, requiredScope: scope });
    }
  }
  const owner = rule.owner;
  if (!owner || holdsAll(scopes, rule.anyScopes)) return undefined;
  if (typeof owner === 'function') {
    checkOwner(context, rule, owner(args), principal);
    return undefined;
  }
  return lookupOwner(owner, args).then((ownerId) => checkOwner(context, rule, ownerId, principal));
}

function holdsAll(held: ReadonlySet<string>, scopes: readonly string[]): boolean {
  for (const scope of scopes) if (!held.has(scope)) return false;
  return true;
}

function checkOwner(context: string, rule: Exclude<CompiledAccessRule, { readonly public: true }>, ownerId: unknown, principal: Principal): void {
  if (ownerId !== principal.subject) {
    throw new ForbiddenError(`"${context}" can be read only for records of your own subject, or with the scope "${rule.anyScopes.join('", "')}".`, { context });
  }
}
