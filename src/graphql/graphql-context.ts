import type { StoreSession } from '../store/index.js';

/** What every resolver receives: the request's store session (its loaders, deadline, principal). */
export interface GraphQLContext {
  readonly session: StoreSession;
  /**
   * Whether the client wants `extensions.contexts` (it can say no with `x-engram-provenance: off`);
   * when it does not, resolvers record no provenance at all.
   * @default true
   */
  readonly provenance?: boolean;
}
