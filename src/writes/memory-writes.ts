import { hasScope, Scopes, type Principal } from '../auth/index.js';
import { ForbiddenError } from '../errors/index.js';
import type { OutboxStatus, OutboxStore, OutboxWorkerStats } from '../outbox/index.js';
import type { MemoryWriter, WriteTarget } from './memory-writer.js';
import type { WriteReceipt } from './write-inputs.js';

/** `outboxStatus`: the outbox of the caller's tenant and this instance's worker. */
export interface OutboxReport extends OutboxStatus {
  readonly worker: OutboxWorkerStats | null;
}

export interface MemoryWritesOptions {
  readonly writer: MemoryWriter;
  readonly outbox: OutboxStore;
  /** Called after each commit (cache invalidation); its failure does not fail the write. */
  readonly committed?: (principal: Principal, target: WriteTarget) => Promise<void>;
  readonly worker?: () => OutboxWorkerStats | undefined;
}

/** The write operations as every surface (GraphQL, REST) calls them, with the caller's principal. */
export class MemoryWrites {
  readonly #options: MemoryWritesOptions;

  constructor(options: MemoryWritesOptions) {
    this.#options = options;
  }

  appendMessages(principal: Principal, args: unknown): Promise<WriteReceipt> {
    return this.#after(principal, this.#options.writer.appendMessages(principal, args));
  }

  addFacts(principal: Principal, args: unknown): Promise<WriteReceipt> {
    return this.#after(principal, this.#options.writer.addFacts(principal, args));
  }

  /** Requires `engram:admin`; counts the caller's tenant only. */
  async outboxStatus(principal: Principal): Promise<OutboxReport> {
    if (!hasScope(principal, Scopes.admin)) {
      throw new ForbiddenError(`Reading "outboxStatus" requires the scope "${Scopes.admin}".`, { requiredScope: Scopes.admin });
    }
    const status = await this.#options.outbox.status(principal.tenant);
    return { ...status, worker: this.#options.worker?.() ?? null };
  }

  async #after(principal: Principal, pending: Promise<{ receipt: WriteReceipt; target: WriteTarget }>): Promise<WriteReceipt> {
    const { receipt, target } = await pending;
    await this.#options.committed?.(principal, target).catch(() => undefined);
    return receipt;
  }
}
