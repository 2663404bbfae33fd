import type { ZepClient } from '@getzep/zep-cloud';

/** Where one tenant's memory lives in Zep: a client (project) and how Engram ids become Zep ids. */
export interface ZepTenantScope {
  readonly client: ZepClient;
  /** The Zep id of an Engram user or thread id of this tenant. */
  zepId(id: string): string;
}

/**
 * The Zep id of `id` in `tenant` when tenants share one Zep project: `tenant:id`. Tenant ids never
 * contain `:` (see `TENANT_PATTERN`), so two tenants can never map to the same Zep id.
 */
export function namespacedZepId(tenant: string, id: string): string {
  return `${tenant}:${id}`;
}

/**
 * Maps (tenant, id) to Zep. By default every tenant shares the default client's project, with
 * namespaced ids; a tenant listed in `tenantClients` has a Zep project of its own (its own API key),
 * where ids are used as they are.
 */
export class ZepTenancy {
  readonly #default: ZepClient;
  readonly #scopes = new Map<string, ZepTenantScope>();
  readonly #own: ReadonlyMap<string, ZepClient>;

  constructor(defaultClient: ZepClient, tenantClients: Readonly<Record<string, ZepClient>> = {}) {
    this.#default = defaultClient;
    this.#own = new Map(Object.entries(tenantClients));
  }

  scope(tenant: string): ZepTenantScope {
    let scope = this.#scopes.get(tenant);
    if (scope) return scope;
    const own = this.#own.get(tenant);
    scope = own ? { client: own, zepId: (id) => id } : { client: this.#default, zepId: (id) => namespacedZepId(tenant, id) };
    this.#scopes.set(tenant, scope);
    return scope;
  }
}
