import type { WireEntityEdge, WireEntityNode } from './wire-format.js';

/** `2026-01-01 09:00:00`, always in UTC so that context blocks do not depend on the host's time zone. */
function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function dateRange(edge: WireEntityEdge): string {
  const from = edge.valid_at === undefined ? 'date unknown' : formatDate(edge.valid_at);
  const to = edge.invalid_at === undefined ? 'present' : formatDate(edge.invalid_at);
  return `${from} - ${to}`;
}

function entity(node: WireEntityNode): string {
  const parts = [`Name: ${node.name}`];
  const label = node.labels.find((candidate) => candidate !== 'Entity');
  if (label !== undefined) parts.push(`Label: ${label}`);
  if (node.summary.trim() !== '') parts.push(`Summary: ${node.summary}`);
  return parts.join('\n');
}

/**
 * The context block Zep returns from `GET /threads/{threadId}/context`, in the layout of the SDK's
 * `composeContextString` (facts with their validity range, then entities). Empty when there is nothing to say.
 * @internal
 */
export function buildContextBlock(edges: readonly WireEntityEdge[], nodes: readonly WireEntityNode[]): string {
  if (edges.length === 0 && nodes.length === 0) return '';
  const facts = edges.map((edge) => `  - ${edge.fact} (Date range: ${dateRange(edge)})`).join('\n');
  const entities = nodes.map(entity).join('\n');
  return [
    'FACTS and ENTITIES represent relevant context to the current conversation.',
    '',
    '# These are the most relevant facts and their valid date ranges',
    '# format: FACT (Date range: from - to)',
    '<FACTS>',
    facts,
    '</FACTS>',
    '',
    '# These are the most relevant entities',
    '# Name: ENTITY_NAME',
    '# Label: entity_label (if present)',
    '# Summary: entity summary',
    '<ENTITIES>',
    entities,
    '</ENTITIES>',
  ].join('\n');
}
