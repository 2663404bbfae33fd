import SchemaBuilder from '@pothos/core';
import { responsePathAsArray, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import type { core } from 'zod';
import { hasScope, Scopes } from '../auth/index.js';
import type { ContextRegistry, ObjectDescriptor, RegisteredContext, TypeDescriptor } from '../context/index.js';
import { DefinitionError, ForbiddenError } from '../errors/index.js';
import type { OperationStats, Provider, ProviderHealth } from '../providers/index.js';
import type { MemoryWrites } from '../writes/index.js';
import type { GraphQLContext } from './graphql-context.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { graphqlTypeString } from './type-strings.js';
import { addWriteFields, type Builder, type BuilderTypes } from './write-fields.js';

type Row = Record<string, unknown>;
// Pothos type parameters are statically typed; compiled types are only known at run time.
type TypeParam = Parameters<PothosSchemaTypes.QueryFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<BuilderTypes>, Row>['field']>[0]['type'];

/** `a1` for an aliased root field, `user.friends.0.name` deeper down. */
export function responsePath(info: GraphQLResolveInfo): string {
  // Context fields are root fields: their path is their response key.
  return info.path.prev === undefined ? String(info.path.key) : responsePathAsArray(info.path).join('.');
}

/**
 * Compiles registered context definitions into GraphQL types with Pothos: one output type per
 * distinct zod object/enum schema (named by `.meta({ id })` or the definition), shared when
 * definitions reuse a schema.
 */
class TypeCompiler {
  readonly #builder: Builder;
  readonly #bySchema = new Map<core.$ZodType, TypeParam>();
  readonly #owners = new Map<string, { schema: core.$ZodType; definition: string }>();

  constructor(builder: Builder) {
    this.#builder = builder;
  }

  /** Type and nullability of an output field. */
  output(type: TypeDescriptor, definition: string): { type: TypeParam; nullable: boolean | { list: boolean; items: boolean } } {
    if (type.kind === 'list') {
      return { type: [this.#named(type.of, definition)] as unknown as TypeParam, nullable: { list: type.nullable, items: type.of.nullable } };
    }
    return { type: this.#named(type, definition), nullable: type.nullable };
  }

  /** Type and requiredness of an argument. */
  input(type: TypeDescriptor, definition: string): { type: TypeParam; required: boolean | { list: boolean; items: boolean } } {
    // A defaulted argument is optional to send, so it stays nullable in SDL (`limit: Int = 10`).
    if (type.kind === 'list') {
      return { type: [this.#named(type.of, definition)] as unknown as TypeParam, required: { list: !type.nullable, items: !type.of.nullable } };
    }
    return { type: this.#named(type, definition), required: !type.nullable };
  }

  #named(type: TypeDescriptor, definition: string): TypeParam {
    switch (type.kind) {
      case 'scalar':
        return type.scalar as TypeParam;
      case 'enum':
        return this.#shared(type.schema, type.name, definition, () =>
          this.#builder.enumType(type.name, {
            ...(type.description ? { description: type.description } : {}),
            values: type.values as readonly string[],
          }) as unknown as TypeParam,
        );
      case 'object':
        return this.#shared(type.schema, type.name, definition, () => this.#object(type, definition));
      case 'list':
        throw new DefinitionError(definition, `${type.kind} of lists cannot be compiled`);
    }
  }

  #shared(schema: core.$ZodType, name: string, definition: string, create: () => TypeParam): TypeParam {
    const existing = this.#bySchema.get(schema);
    if (existing) return existing;
    const owner = this.#owners.get(name);
    if (owner) {
      throw new DefinitionError(definition, `type name "${name}" is already used by a different schema in "${owner.definition}"; reuse that schema or give this one another .meta({ id }).`);
    }
    this.#owners.set(name, { schema, definition });
    const ref = create();
    this.#bySchema.set(schema, ref);
    return ref;
  }

  #object(type: ObjectDescriptor, definition: string): TypeParam {
    const ref = this.#builder.objectRef<Row>(type.name);
    // Register before implementing so self-references resolve to the same ref.
    this.#bySchema.set(type.schema, ref as unknown as TypeParam);
    ref.implement({
      ...(type.description ? { description: type.description } : {}),
      fields: (t) =>
        Object.fromEntries(
          type.fields.map((field) => {
            const { type: fieldType, nullable } = this.output(field.type, definition);
            return [
              field.name,
              // Exposed: no resolver of ours, so execution reads the property directly.
              t.expose(field.name as never, {
                type: fieldType,
                nullable,
                ...(field.type.description ? { description: field.type.description } : {}),
              } as never),
            ];
          }),
        ),
    });
    return ref as unknown as TypeParam;
  }
}

function addIntrospectionTypes(builder: Builder, registry: ContextRegistry): void {
  const ArgumentInfo = builder.objectRef<RegisteredContext['args'][number]>('ContextArgument').implement({
    description: 'An argument of a context.',
    fields: (t) => ({
      name: t.string({ resolve: (a) => a.name }),
      type: t.string({ description: 'GraphQL type, e.g. `Int` or `ID!`.', resolve: (a) => graphqlTypeString(a.type) }),
      description: t.string({ nullable: true, resolve: (a) => a.type.description ?? null }),
      defaultValue: t.field({ type: 'JSON', nullable: true, resolve: (a) => a.type.defaultValue ?? null }),
    }),
  });
  const SourceInfo = builder.objectRef<{ provider: string; operation: string; timeoutMs: number | null }>('ContextSource').implement({
    description: 'A provider operation that serves a context; the first is the primary, the rest are fallbacks.',
    fields: (t) => ({
      provider: t.string({ resolve: (s) => s.provider }),
      operation: t.string({ resolve: (s) => s.operation }),
      timeoutMs: t.int({ nullable: true, resolve: (s) => s.timeoutMs }),
    }),
  });
  const CacheInfo = builder.objectRef<{ ttlSeconds: number; staleIfErrorSeconds: number; scope: string }>('ContextCachePolicy').implement({
    fields: (t) => ({
      ttlSeconds: t.int({ resolve: (c) => c.ttlSeconds }),
      staleIfErrorSeconds: t.int({ resolve: (c) => c.staleIfErrorSeconds }),
      scope: t.string({ resolve: (c) => c.scope }),
    }),
  });
  const AccessInfo = builder.objectRef<RegisteredContext['access']>('ContextAccess').implement({
    description: 'Who may read a context.',
    fields: (t) => ({
      public: t.boolean({ description: 'Any verified principal of the tenant may read it.', resolve: (a) => a.public }),
      scopes: t.stringList({ description: 'Scopes required (`<scope>:any` counts as `<scope>`).', resolve: (a) => (a.public ? [] : [...a.scopes]) }),
      owner: t.string({
        nullable: true,
        description: '`argument` when the owner is taken from the arguments, `provider.operation` when it is looked up; null without an owner rule. Holding `<scope>:any` for every required scope lifts it.',
        resolve: (a) => (a.public || !a.owner ? null : typeof a.owner === 'function' ? 'argument' : `${a.owner.lookup.provider}.${a.owner.lookup.operation}`),
      }),
    }),
  });
  const ContextInfo = builder.objectRef<RegisteredContext>('ContextInfo').implement({
    description: 'A registered context definition.',
    fields: (t) => ({
      name: t.string({ resolve: (c) => c.name }),
      description: t.string({ resolve: (c) => c.definition.description }),
      type: t.string({ description: 'GraphQL type of the context field.', resolve: (c) => graphqlTypeString(c.output, true) }),
      args: t.field({ type: [ArgumentInfo], resolve: (c) => [...c.args] }),
      access: t.field({ type: AccessInfo, resolve: (c) => c.access }),
      sources: t.field({
        type: [SourceInfo],
        resolve: (c) => c.definition.sources.map((s) => ({ provider: s.provider, operation: s.operation, timeoutMs: s.timeoutMs ?? null })),
      }),
      cache: t.field({
        type: CacheInfo,
        nullable: true,
        resolve: (c) => c.definition.cache
          ? { ttlSeconds: c.definition.cache.ttlSeconds, staleIfErrorSeconds: c.definition.cache.staleIfErrorSeconds ?? 0, scope: c.definition.cache.scope ?? 'tenant' }
          : null,
      }),
    }),
  });
  const OperationStatsRef = builder.objectRef<OperationStats>('ProviderOperationStats').implement({
    description: 'Counters of one provider operation since start-up.',
    fields: (t) => ({
      operation: t.string({ resolve: (o) => o.operation }),
      batches: t.int({ resolve: (o) => o.batches }),
      keys: t.int({ resolve: (o) => o.keys }),
      errors: t.int({ resolve: (o) => o.errors }),
      averageLatencyMs: t.float({ resolve: (o) => (o.batches === 0 ? 0 : o.totalLatencyMs / o.batches) }),
      maxLatencyMs: t.float({ resolve: (o) => o.maxLatencyMs }),
    }),
  });
  const HealthRef = builder.objectRef<ProviderHealth>('ProviderHealth').implement({
    fields: (t) => ({
      ok: t.boolean({ resolve: (h) => h.ok }),
      latencyMs: t.float({ resolve: (h) => h.latencyMs }),
      detail: t.string({ nullable: true, resolve: (h) => h.detail ?? null }),
    }),
  });
  const ProviderInfo = builder.objectRef<{ provider: Provider; breaker: string }>('ProviderInfo').implement({
    description: 'A provider behind the store: its counters, circuit breaker and health.',
    fields: (t) => ({
      name: t.string({ resolve: (p) => p.provider.name }),
      breaker: t.string({ description: '`closed`, `open`, `half-open` or `isolated`.', resolve: (p) => p.breaker }),
      calls: t.int({ description: 'Remote calls: SQL statements (postgres), HTTP calls (zep).', resolve: (p) => p.provider.stats().calls }),
      batches: t.int({ resolve: (p) => p.provider.stats().batches }),
      keys: t.int({ resolve: (p) => p.provider.stats().keys }),
      errors: t.int({ resolve: (p) => p.provider.stats().errors }),
      operations: t.field({ type: [OperationStatsRef], resolve: (p) => [...p.provider.stats().operations] }),
      health: t.field({
        type: HealthRef,
        description: 'Checked now (one cheap call per provider and request, however many aliases ask).',
        resolve: (p, _args, ctx) => ctx.session.health(p.provider),
      }),
    }),
  });
  builder.queryField('providers', (t) =>
    t.field({
      type: [ProviderInfo],
      // Nullable so that a denied `providers` nulls only itself, not the whole response.
      nullable: true,
      description: 'The providers behind the store, with their stats, breaker state and health. Requires the scope `engram:admin`.',
      resolve: (_root, _args, ctx) => {
        if (!hasScope(ctx.session.principal, Scopes.admin)) {
          throw new ForbiddenError(`Reading "providers" requires the scope "${Scopes.admin}".`, { requiredScope: Scopes.admin });
        }
        return ctx.session.store.providers().map((provider) => ({ provider, breaker: ctx.session.store.breakerState(provider.name) ?? 'closed' }));
      },
    }),
  );
  builder.queryField('contexts', (t) =>
    t.field({
      type: [ContextInfo],
      description: 'The context definitions this gateway serves.',
      resolve: () => registry.list(),
    }),
  );
}

/**
 * Compiles a registry into an executable schema: `Query.<name>` per definition, with typed
 * arguments (defaults and descriptions kept) and typed output, plus `Query.contexts`.
 *
 * Context fields are nullable at the top level even when their output is not: a failing
 * provider must null only its own field (with an error), never the whole response.
 */
export function compileSchema(registry: ContextRegistry, writes?: MemoryWrites): GraphQLSchema {
  const builder: Builder = new SchemaBuilder<BuilderTypes>({ defaultFieldNullability: false });
  builder.addScalarType('JSON', JSONScalar);
  builder.addScalarType('DateTime', DateTimeScalar);
  builder.queryType({ description: 'Context served by Engram: one field per registered context definition.' });
  const types = new TypeCompiler(builder);

  const field = (
    served: Pick<RegisteredContext, 'name' | 'args' | 'output'> & { readonly description: string },
    resolve: (session: GraphQLContext['session'], args: Row, path: string | undefined) => Promise<unknown>,
  ): void => {
    const { type, nullable } = types.output(served.output, served.name);
    builder.queryField(served.name, (t) =>
      t.field({
        type,
        nullable: typeof nullable === 'object' ? { list: true, items: nullable.items } : true,
        description: served.description,
        args: Object.fromEntries(
          served.args.map((arg) => {
            const { type: argType, required } = types.input(arg.type, served.name);
            return [
              arg.name,
              t.arg({
                type: argType,
                required,
                ...(arg.type.description ? { description: arg.type.description } : {}),
                ...(arg.type.defaultValue === undefined ? {} : { defaultValue: arg.type.defaultValue }),
              } as never),
            ];
          }),
        ),
        resolve: (_root: unknown, args: Row, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
          resolve(ctx.session, args, ctx.provenance === false ? undefined : responsePath(info)) as never,
      } as never),
    );
  };
  for (const context of registry.list()) {
    const { name, description } = context.definition;
    field({ name, description, args: context.args, output: context.output }, (session, args, path) => session.value(name, args, path));
  }
  // A bundle is one more field: its arguments plus budgetTokens and format, returning PromptContext.
  for (const bundle of registry.bundles()) {
    const { name, description } = bundle.definition;
    field({ name, description, args: bundle.args, output: bundle.output }, (session, args, path) => session.bundle(name, args, path === undefined ? undefined : { path }).then((result) => result.value));
  }

  addIntrospectionTypes(builder, registry);
  if (writes) addWriteFields(builder, writes);
  return builder.toSchema({ sortSchema: false });
}
