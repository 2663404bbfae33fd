import { randomUUID } from 'node:crypto';
import { EmulatorApiError } from './emulator-api-error.js';
import type { WireAddTripleResponse, WireEntityEdge, WireEntityNode, WireEpisode } from './wire-format.js';

export interface NodeInput {
  readonly uuid?: string | undefined;
  readonly name?: string | undefined;
  readonly summary?: string | undefined;
  readonly labels?: readonly string[] | undefined;
  readonly attributes?: Record<string, unknown> | undefined;
}

export interface FactTripleInput {
  readonly fact: string;
  readonly factName: string;
  readonly source: NodeInput;
  readonly target: NodeInput;
  readonly edgeAttributes?: Record<string, unknown> | undefined;
  readonly createdAt?: string | undefined;
  readonly validAt?: string | undefined;
  readonly invalidAt?: string | undefined;
  readonly expiredAt?: string | undefined;
}

/**
 * The temporal knowledge graph of one user or one named graph: entity nodes, fact edges between
 * them and episodes (the raw data the graph was built from). Nodes are deduplicated by name,
 * case-insensitively, as Zep resolves entities.
 * @internal
 */
export class KnowledgeGraph {
  readonly #nodes = new Map<string, WireEntityNode>();
  readonly #nodeUuidByName = new Map<string, string>();
  readonly #edges: WireEntityEdge[] = [];
  readonly #episodes: WireEpisode[] = [];

  get nodes(): Iterable<WireEntityNode> {
    return this.#nodes.values();
  }

  get edges(): readonly WireEntityEdge[] {
    return this.#edges;
  }

  get episodes(): readonly WireEpisode[] {
    return this.#episodes;
  }

  node(uuid: string): WireEntityNode | undefined {
    return this.#nodes.get(uuid);
  }

  addEpisode(episode: WireEpisode): void {
    this.#episodes.push(episode);
  }

  addFactTriple(input: FactTripleInput): WireAddTripleResponse {
    const createdAt = input.createdAt ?? new Date().toISOString();
    const sourceNode = this.#resolveNode(input.source, 'source', createdAt);
    const targetNode = this.#resolveNode(input.target, 'target', createdAt);
    const edge: WireEntityEdge = {
      uuid: randomUUID(),
      name: input.factName,
      fact: input.fact,
      source_node_uuid: sourceNode.uuid,
      target_node_uuid: targetNode.uuid,
      source_node_name: sourceNode.name,
      target_node_name: targetNode.name,
      ...(input.edgeAttributes === undefined ? {} : { attributes: input.edgeAttributes }),
      episodes: [],
      created_at: createdAt,
      valid_at: input.validAt ?? createdAt,
      ...(input.invalidAt === undefined ? {} : { invalid_at: input.invalidAt }),
      ...(input.expiredAt === undefined ? {} : { expired_at: input.expiredAt }),
    };
    this.#edges.push(edge);
    return { edge, source_node: sourceNode, target_node: targetNode };
  }

  #resolveNode(input: NodeInput, side: 'source' | 'target', createdAt: string): WireEntityNode {
    if (input.uuid !== undefined) {
      const byUuid = this.#nodes.get(input.uuid);
      if (byUuid !== undefined) return byUuid;
    }
    if (input.name === undefined) {
      throw new EmulatorApiError(
        400,
        input.uuid === undefined
          ? `invalid request body: ${side}_node_name or ${side}_node_uuid is required`
          : `invalid request body: ${side}_node_uuid "${input.uuid}" is not a node of this graph and no ${side}_node_name was given`,
      );
    }
    const key = input.name.toLowerCase();
    const existing = this.#nodeUuidByName.get(key);
    if (existing !== undefined) return this.#nodes.get(existing) as WireEntityNode;
    const node: WireEntityNode = {
      uuid: input.uuid ?? randomUUID(),
      name: input.name,
      summary: input.summary ?? '',
      labels: ['Entity', ...(input.labels ?? []).filter((label) => label !== 'Entity')],
      ...(input.attributes === undefined ? {} : { attributes: input.attributes }),
      created_at: createdAt,
    };
    this.#nodes.set(node.uuid, node);
    this.#nodeUuidByName.set(key, node.uuid);
    return node;
  }
}
