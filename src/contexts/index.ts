import type { ContextDefinition } from '../context/index.js';
import { searchDocuments } from './search-documents.js';
import { threadMessages } from './thread-messages.js';
import { userFacts } from './user-facts.js';
import { userProfile } from './user-profile.js';

export { searchDocuments, threadMessages, userFacts, userProfile };
export { Fact, Message, MessageRole } from './shapes.js';

/** The demo context pack that `npm start` serves. */
export const demoContexts: readonly ContextDefinition[] = [userProfile, userFacts, threadMessages, searchDocuments];
