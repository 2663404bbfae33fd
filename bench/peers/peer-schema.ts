import {
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import type { Fact, PeerLoaders, ThreadContext, UserProfile } from './peer-loaders.js';

/** What every peer resolver receives: the request's loaders. */
export interface PeerContext {
  readonly loaders: PeerLoaders;
}

const id = { type: new GraphQLNonNull(GraphQLID) };
const string = { type: new GraphQLNonNull(GraphQLString) };
const nullableString = { type: GraphQLString };

const UserProfileType = new GraphQLObjectType<UserProfile, PeerContext>({
  name: 'UserProfile',
  fields: {
    id,
    email: string,
    firstName: string,
    lastName: string,
    displayName: string,
    locale: nullableString,
    timezone: nullableString,
    plan: nullableString,
    bio: nullableString,
    createdAt: string,
  },
});

const FactType = new GraphQLObjectType<Fact, PeerContext>({
  name: 'Fact',
  fields: {
    id,
    name: string,
    fact: string,
    sourceNode: nullableString,
    targetNode: nullableString,
    validAt: nullableString,
    invalidAt: nullableString,
    createdAt: string,
  },
});

const ThreadContextType = new GraphQLObjectType<ThreadContext, PeerContext>({
  name: 'ThreadContext',
  fields: { threadId: id, context: string },
});

/**
 * The peers' schema: the subset of Engram's demo schema the scenarios query, resolved with the same
 * pattern (a DataLoader per request and operation) and the same SQL. Built once per server process.
 */
export function createPeerSchema(): GraphQLSchema {
  const query = new GraphQLObjectType<unknown, PeerContext>({
    name: 'Query',
    fields: {
      userProfile: {
        type: UserProfileType,
        args: { userId: id },
        resolve: (_root, args: { userId: string }, context) => context.loaders.userProfile.load(args.userId),
      },
      userFacts: {
        type: new GraphQLList(new GraphQLNonNull(FactType)),
        args: { userId: id, limit: { type: GraphQLInt, defaultValue: 10 } },
        resolve: (_root, args: { userId: string; limit: number }, context) => {
          if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > 50) {
            throw new GraphQLError(`Invalid arguments for "userFacts": limit must be an integer from 1 to 50, received ${args.limit}.`);
          }
          return context.loaders.userFacts.load({ userId: args.userId, limit: args.limit });
        },
      },
      threadContext: {
        type: ThreadContextType,
        args: { threadId: id },
        resolve: (_root, args: { threadId: string }, context) => context.loaders.threadContext.load(args.threadId),
      },
    },
  });
  return new GraphQLSchema({ query });
}
