import type { ZepClient } from '@getzep/zep-cloud';
import { ENGRAM_MESSAGE_ID, isAlreadyExists, isNotFound, ZepTenancy } from '../providers/zep/index.js';
import type { OutboxFact, OutboxMessage } from './outbox-payload.js';
import type { OutboxEntry } from './outbox-store.js';


export interface ZepDeliveryOptions {
  readonly client: ZepClient;
  readonly tenantClients?: Readonly<Record<string, ZepClient>>;
  /** Time limit of one HTTP call. */
  readonly timeoutMs: number;
  /** The user a thread belongs to (told to Zep when the thread must be created there). */
  readonly threadOwner: (tenant: string, threadId: string) => Promise<string>;
}

/** How many of the latest messages are read back to find the ones an earlier attempt delivered. */
const READ_BACK = 200;

/**
 * Delivers outbox entries to Zep through the SDK: messages with `thread.addMessages` (each
 * carrying its Engram id in `metadata`), facts with `graph.addFactTriple`. A thread or user Zep
 * does not know yet is created first. An entry claimed before (its earlier attempt may have
 * reached Zep before the worker crashed or timed out) is first compared with what Zep holds, and
 * only what is missing is sent: a crash between Zep's answer and "delivered" never duplicates.
 */
export class ZepDelivery {
  readonly #tenancy: ZepTenancy;
  readonly #timeoutMs: number;
  readonly #threadOwner: ZepDeliveryOptions['threadOwner'];

  constructor(options: ZepDeliveryOptions) {
    this.#tenancy = new ZepTenancy(options.client, options.tenantClients);
    this.#timeoutMs = options.timeoutMs;
    this.#threadOwner = options.threadOwner;
  }

  /** Time limit of one HTTP call, in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Delivers consecutive entries of one stream (one thread's messages, at most 30 in all, or one
   * user's facts) with as few calls as Zep allows.
   */
  async deliver(entries: readonly OutboxEntry[], mayHaveReachedZep: boolean, signal: AbortSignal): Promise<void> {
    const entry = entries[0];
    if (!entry) return;
    const scope = this.#tenancy.scope(entry.tenant);
    const call = { timeoutInSeconds: this.#timeoutMs / 1000, maxRetries: 0, abortSignal: signal };
    if (entry.kind === 'messages') {
      const threadId = scope.zepId(entry.targetId);
      let messages = entries.flatMap((e) => e.payload as OutboxMessage[]);
      if (mayHaveReachedZep) {
        const held = await scope.client.thread.get(threadId, { lastn: READ_BACK }, call).then(
          (r) => new Set((r.messages ?? []).map((m) => m.metadata?.[ENGRAM_MESSAGE_ID]).filter((id) => typeof id === 'string')),
          (error: unknown) => {
            if (isNotFound(error)) return new Set<unknown>();
            throw error;
          },
        );
        messages = messages.filter((m) => !held.has(m.id));
        if (messages.length === 0) return;
      }
      const send = () =>
        scope.client.thread.addMessages(threadId, {
          messages: messages.map((m) => ({
            role: m.role as 'user',
            content: m.content,
            ...(m.name === undefined ? {} : { name: m.name }),
            createdAt: m.createdAt,
            metadata: { [ENGRAM_MESSAGE_ID]: m.id },
          })),
        }, call);
      await this.#creatingOnNotFound(send, async () => {
        const userId = await this.#threadOwner(entry.tenant, entry.targetId);
        await ignoreExisting(scope.client.user.add({ userId: scope.zepId(userId) }, call));
        await ignoreExisting(scope.client.thread.create({ threadId, userId: scope.zepId(userId) }, call));
      });
      return;
    }
    const userId = scope.zepId(entry.targetId);
    for (const fact of entries.flatMap((e) => e.payload as OutboxFact[])) {
      if (mayHaveReachedZep) {
        const found = await scope.client.graph.search({ userId, query: fact.fact, scope: 'edges', limit: 50 }, call).then(
          (r) => (r.edges ?? []).some((e) => e.fact === fact.fact && e.name === fact.name),
          (error: unknown) => {
            if (isNotFound(error)) return false;
            throw error;
          },
        );
        if (found) continue;
      }
      const send = () =>
        scope.client.graph.addFactTriple({
          userId,
          fact: fact.fact,
          factName: fact.name,
          sourceNodeName: fact.sourceNode,
          targetNodeName: fact.targetNode,
          createdAt: fact.createdAt,
          metadata: { engram_fact_id: fact.id },
        }, call);
      await this.#creatingOnNotFound(send, () => ignoreExisting(scope.client.user.add({ userId }, call)));
    }
  }

  async #creatingOnNotFound(send: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await create();
      await send();
    }
  }
}

async function ignoreExisting(pending: Promise<unknown>): Promise<void> {
  try {
    await pending;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
