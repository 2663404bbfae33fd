import type { ZepClient } from '@getzep/zep-cloud';
import type { DemoDataSet, DemoFact, DemoMessage, DemoThread, DemoUser } from './demo-data.js';
import { demoDataSets } from './demo-data.js';
import { isAlreadyExists, namespacedZepId } from '../providers/zep/index.js';
import { TaskPool } from './task-pool.js';

export interface SeedZepDemoOptions {
  /** Zep calls in flight at once. @default 8 */
  concurrency?: number;
  /** @default every demo tenant (`acme`, `globex`) */
  dataSets?: readonly DemoDataSet[];
  /**
   * The Zep id of a demo user or thread: `tenant:id` as the Zep provider reads a shared project, or
   * `(tenant, id) => id` for a project of the tenant's own.
   * @default namespacedZepId
   */
  zepId?: (tenant: string, id: string) => string;
}

/** What the seed wrote; users and threads that already existed are skipped with their messages and facts. */
export interface SeedZepDemoResult {
  users: number;
  threads: number;
  messages: number;
  facts: number;
}

/** Messages per `thread.addMessages` call: Zep caps the size of one call, so stay conservative. */
const MESSAGES_PER_CALL = 30;
const ASSISTANT_NAME = 'Engram Assistant';

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Runs `create`; `false` when the object already existed. */
async function created(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

/**
 * Loads the demo data sets (`src/demo/demo-data.ts`) into Zep through the SDK: users, their threads
 * with messages, and their facts as fact triples, with the data set's own timestamps so that the
 * result is reproducible. Tenants share the project, with ids namespaced as the Zep provider reads
 * them (`acme:u1`). Works against the emulator and Zep Cloud; re-running skips what exists.
 */
export async function seedZepDemo(client: ZepClient, options: SeedZepDemoOptions = {}): Promise<SeedZepDemoResult> {
  const pool = new TaskPool(options.concurrency ?? 8);
  const result: SeedZepDemoResult = { users: 0, threads: 0, messages: 0, facts: 0 };
  const zepId = options.zepId ?? namespacedZepId;
  for (const dataSet of options.dataSets ?? demoDataSets) await seedDataSet(client, pool, dataSet, (id) => zepId(dataSet.tenant, id), result);
  return result;
}

async function seedDataSet(
  client: ZepClient,
  pool: TaskPool,
  dataSet: DemoDataSet,
  zepId: (id: string) => string,
  result: SeedZepDemoResult,
): Promise<void> {
  const threadsByUser = groupBy(dataSet.threads, (thread) => thread.userId);
  const messagesByThread = groupBy(dataSet.messages, (message) => message.threadId);
  const factsByUser = groupBy(dataSet.facts, (fact) => fact.userId);

  const seedThread = async (user: DemoUser, thread: DemoThread): Promise<void> => {
    const isNew = await pool.run(() => created(() => client.thread.create({ threadId: zepId(thread.id), userId: zepId(user.id) })));
    if (!isNew) return;
    result.threads += 1;
    for (const messages of chunk(messagesByThread.get(thread.id) ?? [], MESSAGES_PER_CALL)) {
      await pool.run(() =>
        client.thread.addMessages(zepId(thread.id), {
          messages: messages.map((message: DemoMessage) => ({
            role: message.role,
            name: message.role === 'user' ? `${user.firstName} ${user.lastName}` : ASSISTANT_NAME,
            content: message.content,
            createdAt: message.createdAt,
          })),
        }),
      );
      result.messages += messages.length;
    }
  };

  const seedFact = async (fact: DemoFact): Promise<void> => {
    await pool.run(() =>
      client.graph.addFactTriple({
        userId: zepId(fact.userId),
        fact: fact.fact,
        factName: fact.name,
        sourceNodeName: fact.sourceNode,
        targetNodeName: fact.targetNode,
        createdAt: fact.createdAt,
        validAt: fact.createdAt,
      }),
    );
    result.facts += 1;
  };

  const seedUser = async (user: DemoUser): Promise<void> => {
    const isNew = await pool.run(() =>
      created(() =>
        client.user.add({
          userId: zepId(user.id),
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          timeZone: user.timezone,
          metadata: { locale: user.locale, plan: user.plan, bio: user.bio },
        }),
      ),
    );
    if (isNew) result.users += 1;
    const tasks = (threadsByUser.get(user.id) ?? []).map((thread) => seedThread(user, thread));
    // Facts of a user who already existed were seeded with them.
    if (isNew) tasks.push(...(factsByUser.get(user.id) ?? []).map(seedFact));
    await settle(tasks);
  };

  await settle(dataSet.users.map(seedUser));

  /** Waits for every task (none is left pending), then throws the first failure. */
  async function settle(tasks: readonly Promise<void>[]): Promise<void> {
    await Promise.allSettled(tasks);
    if (pool.failure !== undefined) throw pool.failure.error;
  }
}
