import type { TypeDescriptor } from '../context/index.js';

/** The GraphQL type of a descriptor as SDL text, e.g. `[Fact!]` or `Int`. */
export function graphqlTypeString(type: TypeDescriptor, topLevelNullable = type.nullable): string {
  const name = type.kind === 'scalar' ? type.scalar : type.kind === 'list' ? `[${graphqlTypeString(type.of)}]` : type.name;
  return topLevelNullable ? name : `${name}!`;
}
