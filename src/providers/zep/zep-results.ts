import type { Zep } from '@getzep/zep-cloud';
import { ZepResponseError } from './zep-errors.js';
import type { ZepEpisode, ZepFact, ZepMessage, ZepNode, ZepUser } from './zep-operations.js';

/**
 * Maps SDK objects to Engram's values: ISO timestamps, `null` for absent optional fields.
 * @internal
 */

function iso(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ZepResponseError(`"${value}" is not a date-time`);
  return new Date(time).toISOString();
}

const isoOrNull = (value: string | undefined): string | null => (value === undefined ? null : iso(value));

const scoreOf = (item: { readonly score?: number }): number | null => item.score ?? null;

export function toFact(edge: Zep.EntityEdge): ZepFact {
  return {
    id: edge.uuid,
    name: edge.name,
    fact: edge.fact,
    // Zep sends the entity names with the edge; when it does not, Engram does not spend calls on them.
    sourceNode: edge.sourceNodeName ?? null,
    targetNode: edge.targetNodeName ?? null,
    validAt: isoOrNull(edge.validAt),
    invalidAt: isoOrNull(edge.invalidAt),
    createdAt: iso(edge.createdAt),
    score: scoreOf(edge),
  };
}

export function toNode(node: Zep.EntityNode): ZepNode {
  return {
    id: node.uuid,
    name: node.name,
    summary: node.summary.trim() === '' ? null : node.summary,
    labels: node.labels ?? [],
    createdAt: iso(node.createdAt),
    score: scoreOf(node),
  };
}

export function toEpisode(episode: Zep.Episode): ZepEpisode {
  return {
    id: episode.uuid,
    content: episode.content,
    source: episode.source ?? null,
    createdAt: iso(episode.createdAt),
    score: scoreOf(episode),
  };
}

/** Oldest first, whatever order Zep sends them in (ties keep Zep's order). */
/** The metadata key under which the outbox sends a message's Engram id to Zep. */
export const ENGRAM_MESSAGE_ID = 'engram_message_id';

export function toMessages(messages: readonly Zep.Message[]): ZepMessage[] {
  return messages
    .map((message) => {
      if (message.uuid === undefined) throw new ZepResponseError('a message without uuid');
      if (message.createdAt === undefined) throw new ZepResponseError(`message ${message.uuid} without created_at`);
      // A message written through Engram keeps the id Engram gave it (and Postgres holds) in either source.
      const engramId = message.metadata?.[ENGRAM_MESSAGE_ID];
      return { id: typeof engramId === 'string' ? engramId : message.uuid, role: message.role, content: message.content, createdAt: iso(message.createdAt) };
    })
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
}

/** @param userId the Engram id asked for (Zep's may be tenant-namespaced, see `ZepTenancy`) */
export function toUser(userId: string, user: Zep.User): ZepUser {
  return {
    id: userId,
    email: user.email ?? null,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    metadata: user.metadata ?? null,
    createdAt: isoOrNull(user.createdAt),
  };
}
