export { MemoryWriter } from './memory-writer.js';
export type { WriteOutcome, WriteTarget } from './memory-writer.js';
export {
  AddFactsArgs,
  AppendMessagesArgs,
  FactInput,
  MAX_FACTS_PER_WRITE,
  MAX_MESSAGE_CONTENT,
  MAX_MESSAGES_PER_WRITE,
  MessageInput,
  MessageRoleInput,
} from './write-inputs.js';
export type { Delivery, WriteReceipt } from './write-inputs.js';
export { MemoryWrites } from './memory-writes.js';
export type { MemoryWritesOptions, OutboxReport } from './memory-writes.js';
