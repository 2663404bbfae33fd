export { createZepClient } from './create-zep-client.js';
export type { CreateZepClientOptions } from './create-zep-client.js';
export { zepOps } from './zep-operations.js';
export type {
  ZepEpisode,
  ZepFact,
  ZepGraphSearchKey,
  ZepGraphSearchResult,
  ZepMessage,
  ZepNode,
  ZepSearchScope,
  ZepThreadContext,
  ZepThreadMessagesKey,
  ZepUser,
  ZepUserFactsKey,
} from './zep-operations.js';
export { zepProvider } from './zep-provider.js';
export type { ZepProviderOptions } from './zep-provider.js';
export { namespacedZepId, ZepTenancy } from './zep-tenancy.js';
export type { ZepTenantScope } from './zep-tenancy.js';
export { isAlreadyExists, isNotFound, toZepEngramError } from './zep-errors.js';
export { ENGRAM_MESSAGE_ID } from './zep-results.js';
