import type { GraphQLSchema } from 'graphql';
import { ContextRegistry } from '../context/index.js';
import { compileSchema } from '../graphql/index.js';
import type { MemoryWrites } from '../writes/index.js';
import { demoBundles, demoContexts } from './contexts/index.js';

const notServed = (): never => {
  throw new Error('this schema is for printing and checking, not for serving');
};

/**
 * The schema `npm start` serves (the demo pack, with the write fields), without anything behind
 * it: what `schema.graphql` and codegen are made from.
 */
export function demoSchema(): GraphQLSchema {
  const writes = { appendMessages: notServed, addFacts: notServed, outboxStatus: notServed } as unknown as MemoryWrites;
  return compileSchema(new ContextRegistry(demoContexts, demoBundles), writes);
}
