import type { OperationRef } from '../providers/index.js';
import { Scopes } from './principal.js';

/**
 * Who owns the record a context reads, as a subject id: taken from the arguments
 * (`(args) => args.userId`), or loaded through a provider operation that maps a key to its owner
 * (`{ lookup: postgresOps.threadOwner, key: (args) => args.threadId }`), batched like any source.
 */
export type OwnerRule<Args> =
  | ((args: Args) => string)
  | {
      readonly lookup: OperationRef<never, string | null>;
      readonly key: (args: Args) => unknown;
    };

/**
 * Who may read a context. `'public'`: any verified principal of the tenant, whatever its scopes
 * (it must be said explicitly). Otherwise the principal needs every scope of `scopes` and, when
 * `owner` is set, must own the record — unless it holds `<scope>:any` for each required scope
 * (agents and services reading any subject of their tenant).
 */
export type AccessRule<Args> =
  | 'public'
  | {
      /**
       * Scopes the principal must hold (`<scope>:any` counts as `<scope>`).
       * @default ['context:read']
       */
      readonly scopes?: readonly string[];
      readonly owner?: OwnerRule<Args>;
    };

/** An access rule as the store applies it: defaults filled in, derived scopes precomputed. */
export type CompiledAccessRule =
  | { readonly public: true }
  | {
      readonly public: false;
      readonly scopes: readonly string[];
      /** Holding all of these lifts the owner rule. */
      readonly anyScopes: readonly string[];
      readonly owner: OwnerRule<unknown> | undefined;
    };

/** Fills in defaults; throws a `RangeError` describing what is wrong with the rule. */
export function compileAccessRule(rule: AccessRule<unknown> | undefined): CompiledAccessRule {
  if (rule === undefined) {
    throw new RangeError("declares no access rule: add `access: { scopes: ['context:read'], owner: … }`, or `access: 'public'` to let every principal of a tenant read it.");
  }
  if (rule === 'public') return { public: true };
  const scopes = rule.scopes ?? [Scopes.read];
  if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || !/^[a-z][a-z0-9_.:-]*$/.test(s))) {
    throw new RangeError(`access.scopes must be a non-empty list of scope names such as "context:read" (received ${JSON.stringify(scopes)}).`);
  }
  const owner = rule.owner;
  if (owner !== undefined && typeof owner !== 'function' && !(owner.lookup && typeof owner.key === 'function')) {
    throw new RangeError('access.owner must be a function of the arguments, or { lookup: <operation>, key: (args) => … }.');
  }
  return { public: false, scopes, anyScopes: scopes.map((s) => `${s}:any`), owner: owner as OwnerRule<unknown> | undefined };
}
