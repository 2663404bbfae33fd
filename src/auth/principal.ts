/** How a principal proved who it is. */
export type CredentialKind = 'jwt' | 'api-key' | 'development';

/**
 * A verified caller. Built only by the authenticator from a signed token, an API key, or (with
 * `AUTH_MODE=off` on a loopback address) the fixed development principal; never from anything a
 * client merely asserts. Every cache key, rate-limit key and provider statement is scoped by it.
 */
export interface Principal {
  /** The tenant whose data this principal may see; matches {@link TENANT_PATTERN}. */
  readonly tenant: string;
  /** Who the caller is inside the tenant (a user id for people, a name for agents and services). */
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  readonly via: CredentialKind;
}

/** The scopes Engram itself checks. A principal holding `<scope>:any` also holds `<scope>`. */
export const Scopes = {
  /** Read contexts about oneself (owner rules apply). */
  read: 'context:read',
  /** Read contexts about any subject of one's tenant (agents, services). */
  readAny: 'context:read:any',
  /** The `providers` query, provider health details. */
  admin: 'engram:admin',
  /** Record memory about oneself. */
  write: 'memory:write',
  /** Record memory about any subject of one's tenant. */
  writeAny: 'memory:write:any',
} as const;

/**
 * Tenant ids are short and carry no `:`, so that `tenant:id` namespaces (Zep ids, cache and
 * rate-limit keys) can never be read two ways.
 */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

// Subjects become SQL parameters and log fields: no control characters, bounded length.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
const SUBJECT_PATTERN = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** True when `principal` holds `scope`, directly or through `<scope>:any`. */
export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope) || principal.scopes.has(`${scope}:any`);
}

/** Why `tenant` or `subject` cannot identify a principal; `undefined` when both are valid. */
export function invalidIdentity(tenant: unknown, subject: unknown): string | undefined {
  if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
    return 'the tenant must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit';
  }
  if (typeof subject !== 'string' || !SUBJECT_PATTERN.test(subject)) {
    return 'the subject must be 1-256 characters without control characters';
  }
  return undefined;
}

/** Builds a principal; throws a `RangeError` naming the problem when the identity is invalid. */
export function createPrincipal(input: { tenant: string; subject: string; scopes: Iterable<string>; via: CredentialKind }): Principal {
  const problem = invalidIdentity(input.tenant, input.subject);
  if (problem) throw new RangeError(`Invalid principal: ${problem}.`);
  return Object.freeze({ tenant: input.tenant, subject: input.subject, scopes: new Set(input.scopes), via: input.via });
}

/** The principal of every request under `AUTH_MODE=off`: one tenant, every scope. */
export function developmentPrincipal(tenant: string): Principal {
  return createPrincipal({ tenant, subject: 'dev', scopes: Object.values(Scopes), via: 'development' });
}

/** Parses scopes as JWTs carry them: a space-separated `scope` string or an `scp` array. */
export function parseScopes(scope: unknown, scp: unknown): string[] {
  const fromScope = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  const fromScp = Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  return [...new Set([...fromScope, ...fromScp])];
}
