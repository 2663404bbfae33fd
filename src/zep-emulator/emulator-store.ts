import { randomUUID } from 'node:crypto';
import { buildContextBlock } from './context-block.js';
import { alreadyExists, EmulatorApiError, notFound } from './emulator-api-error.js';
import { KnowledgeGraph } from './knowledge-graph.js';
import { rankByRelevance } from './text-relevance.js';
import type {
  WireAddMessagesResponse,
  WireEntityNode,
  WireEpisode,
  WireGraph,
  WireGraphDataType,
  WireMessage,
  WireMessageList,
  WireRoleType,
  WireThread,
  WireThreadContext,
  WireUser,
} from './wire-format.js';

export interface CreateUserInput {
  readonly user_id: string;
  readonly email?: string | undefined;
  readonly first_name?: string | undefined;
  readonly last_name?: string | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly time_zone?: string | undefined;
}

export interface MessageInput {
  readonly role: WireRoleType;
  readonly content: string;
  readonly name?: string | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly created_at?: string | undefined;
}

export interface AddMessagesOptions {
  /** Roles whose messages are stored in the thread but not added to the user's graph. */
  readonly ignoreRoles?: readonly WireRoleType[] | undefined;
  readonly returnContext?: boolean | undefined;
}

export interface ListMessagesOptions {
  readonly limit?: number | undefined;
  readonly cursor?: number | undefined;
  readonly lastn?: number | undefined;
}

export interface CreateGraphInput {
  readonly graph_id: string;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
}

export interface AddDataInput {
  readonly data: string;
  readonly type: WireGraphDataType;
  readonly created_at?: string | undefined;
  readonly source_description?: string | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
}

/** Whose graph a graph operation targets: exactly one of `user_id` and `graph_id`. */
export interface GraphTarget {
  readonly user_id?: string | undefined;
  readonly graph_id?: string | undefined;
}

/** Facts and entities in a thread's context block, as Zep's default context template. */
const CONTEXT_FACTS = 10;
/** Messages of the thread whose words select the facts of the context block. */
const CONTEXT_MESSAGES = 4;

interface UserEntry {
  readonly user: WireUser;
  readonly graph: KnowledgeGraph;
  readonly threadIds: Set<string>;
}

interface ThreadEntry {
  readonly thread: WireThread;
  readonly messages: WireMessage[];
}

interface GraphEntry {
  readonly graph: WireGraph;
  readonly knowledge: KnowledgeGraph;
}

/**
 * The emulator's in-memory state: users with their graphs, threads with their messages, named graphs.
 * Methods throw {@link EmulatorApiError} with Zep's status codes for unknown or duplicate ids.
 * @internal
 */
export class EmulatorStore {
  readonly #projectUuid = randomUUID();
  readonly #users = new Map<string, UserEntry>();
  readonly #threads = new Map<string, ThreadEntry>();
  readonly #graphs = new Map<string, GraphEntry>();
  #nextId = 1;

  createUser(input: CreateUserInput): WireUser {
    if (this.#users.has(input.user_id)) throw alreadyExists('user', input.user_id);
    const now = new Date().toISOString();
    const user: WireUser = {
      uuid: randomUUID(),
      id: this.#nextId++,
      user_id: input.user_id,
      project_uuid: this.#projectUuid,
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(input.first_name === undefined ? {} : { first_name: input.first_name }),
      ...(input.last_name === undefined ? {} : { last_name: input.last_name }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      ...(input.time_zone === undefined ? {} : { time_zone: input.time_zone }),
      created_at: now,
      updated_at: now,
    };
    this.#users.set(user.user_id, { user, graph: new KnowledgeGraph(), threadIds: new Set() });
    return user;
  }

  getUser(userId: string): WireUser {
    return this.#user(userId).user;
  }

  deleteUser(userId: string): void {
    const entry = this.#user(userId);
    for (const threadId of entry.threadIds) this.#threads.delete(threadId);
    this.#users.delete(userId);
  }

  createThread(threadId: string, userId: string): WireThread {
    const owner = this.#user(userId);
    if (this.#threads.has(threadId)) throw alreadyExists('thread', threadId);
    const thread: WireThread = {
      uuid: randomUUID(),
      thread_id: threadId,
      user_id: userId,
      user_uuid: owner.user.uuid,
      project_uuid: this.#projectUuid,
      created_at: new Date().toISOString(),
    };
    this.#threads.set(threadId, { thread, messages: [] });
    owner.threadIds.add(threadId);
    return thread;
  }

  /** Every thread with its messages in the order they were stored (the control API's view). */
  threads(): Array<{ id: string; messages: Array<{ role: WireRoleType; content: string }> }> {
    return [...this.#threads.values()].map(({ thread, messages }) => ({
      id: thread.thread_id,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
    }));
  }

  deleteThread(threadId: string): void {
    const entry = this.#thread(threadId);
    this.#users.get(entry.thread.user_id)?.threadIds.delete(threadId);
    this.#threads.delete(threadId);
  }

  /** Messages in the order they were added; `lastn` (the most recent N) overrides `limit` and `cursor`. */
  listMessages(threadId: string, options: ListMessagesOptions): WireMessageList {
    const { thread, messages } = this.#thread(threadId);
    let page: readonly WireMessage[];
    if (options.lastn !== undefined) {
      page = messages.slice(Math.max(0, messages.length - options.lastn));
    } else {
      const start = options.cursor ?? 0;
      page = messages.slice(start, options.limit === undefined ? undefined : start + options.limit);
    }
    return {
      messages: page,
      row_count: page.length,
      total_count: messages.length,
      thread_created_at: thread.created_at,
      user_id: thread.user_id,
      user_uuid: thread.user_uuid,
    };
  }

  addMessages(threadId: string, inputs: readonly MessageInput[], options: AddMessagesOptions): WireAddMessagesResponse {
    const { thread, messages } = this.#thread(threadId);
    const graph = this.#user(thread.user_id).graph;
    const uuids: string[] = [];
    for (const input of inputs) {
      const message: WireMessage = {
        uuid: randomUUID(),
        role: input.role,
        content: input.content,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
        created_at: input.created_at ?? new Date().toISOString(),
        processed: true,
      };
      messages.push(message);
      uuids.push(message.uuid);
      if (options.ignoreRoles?.includes(message.role) !== true) {
        graph.addEpisode({
          uuid: message.uuid,
          content: message.content,
          source: 'message',
          ...(message.name === undefined ? {} : { role: message.name }),
          role_type: message.role,
          thread_id: threadId,
          processed: true,
          created_at: message.created_at,
        });
      }
    }
    return options.returnContext === true
      ? { message_uuids: uuids, context: this.threadContext(threadId).context }
      : { message_uuids: uuids };
  }

  /** The user's facts most related to the last messages of the thread (recent ones fill up), with their entities. */
  threadContext(threadId: string): WireThreadContext {
    const { thread, messages } = this.#thread(threadId);
    const graph = this.#user(thread.user_id).graph;
    const recentText = messages
      .slice(-CONTEXT_MESSAGES)
      .map((message) => message.content)
      .join(' ');
    const edges = rankByRelevance(graph.edges, recentText, {
      text: (edge) => edge.fact,
      createdAt: (edge) => edge.created_at,
      limit: CONTEXT_FACTS,
      keepUnmatched: true,
    }).map(({ item }) => item);
    const nodes = new Map<string, WireEntityNode>();
    for (const edge of edges) {
      for (const uuid of [edge.source_node_uuid, edge.target_node_uuid]) {
        const node = graph.node(uuid);
        if (node !== undefined) nodes.set(uuid, node);
      }
    }
    return { context: buildContextBlock(edges, [...nodes.values()].slice(0, CONTEXT_FACTS)) };
  }

  createGraph(input: CreateGraphInput): WireGraph {
    if (this.#graphs.has(input.graph_id)) throw alreadyExists('graph', input.graph_id);
    const now = new Date().toISOString();
    const graph: WireGraph = {
      uuid: randomUUID(),
      id: this.#nextId++,
      graph_id: input.graph_id,
      project_uuid: this.#projectUuid,
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.description === undefined ? {} : { description: input.description }),
      created_at: now,
      updated_at: now,
    };
    this.#graphs.set(input.graph_id, { graph, knowledge: new KnowledgeGraph() });
    return graph;
  }

  /** The graph of a user or a named graph; 400 unless exactly one of them is given, 404 when unknown. */
  graph(target: GraphTarget): KnowledgeGraph {
    if ((target.user_id === undefined) === (target.graph_id === undefined)) {
      throw new EmulatorApiError(400, 'invalid request body: exactly one of user_id and graph_id is required');
    }
    if (target.user_id !== undefined) return this.#user(target.user_id).graph;
    const entry = this.#graphs.get(target.graph_id as string);
    if (entry === undefined) throw notFound('graph', target.graph_id as string);
    return entry.knowledge;
  }

  addData(target: GraphTarget, input: AddDataInput): WireEpisode {
    const episode: WireEpisode = {
      uuid: randomUUID(),
      content: input.data,
      source: input.type,
      ...(input.source_description === undefined ? {} : { source_description: input.source_description }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      processed: true,
      created_at: input.created_at ?? new Date().toISOString(),
    };
    this.graph(target).addEpisode(episode);
    return episode;
  }

  #user(userId: string): UserEntry {
    const entry = this.#users.get(userId);
    if (entry === undefined) throw notFound('user', userId);
    return entry;
  }

  #thread(threadId: string): ThreadEntry {
    const entry = this.#threads.get(threadId);
    if (entry === undefined) throw notFound('thread', threadId);
    return entry;
  }
}
