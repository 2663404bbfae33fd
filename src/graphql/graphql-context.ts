import type { StoreSession } from '../store/index.js';

/** What every resolver receives: the request's store session (its loaders, deadline, principal). */
export interface GraphQLContext {
  readonly session: StoreSession;
}
