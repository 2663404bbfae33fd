import type { BundleDefinition, ContextDefinition } from '../../context/index.js';
import { agentContext } from './agent-context.js';
import { searchDocuments } from './search-documents.js';
import { threadContext } from './thread-context.js';
import { threadMessages } from './thread-messages.js';
import { userFacts } from './user-facts.js';
import { userProfile } from './user-profile.js';

export { agentContext, searchDocuments, threadContext, threadMessages, userFacts, userProfile };
export { archivedContextBlock } from './thread-context.js';
export { Fact, Message, MessageRole } from './shapes.js';

/** The demo context pack that `npm start` serves. */
export const demoContexts: readonly ContextDefinition[] = [userProfile, userFacts, threadMessages, threadContext, searchDocuments];

/** The demo bundles that `npm start` serves (made of the demo contexts). */
export const demoBundles: readonly BundleDefinition[] = [agentContext];
