import { compileAccessRule, type CompiledAccessRule } from '../auth/index.js';
import { DefinitionError } from '../errors/index.js';
import type { ContextDefinition } from './define-context.js';
import { describeType, pascalCase, type TypeDescriptor } from './type-descriptor.js';

export interface ArgumentInfo {
  readonly name: string;
  readonly type: TypeDescriptor;
}

/** A definition plus what was derived from it once, at registration. */
export interface RegisteredContext {
  readonly definition: ContextDefinition;
  readonly name: string;
  readonly args: readonly ArgumentInfo[];
  /** Names of `args`, for rejecting unknown arguments without rebuilding a set per call. */
  readonly argNames: ReadonlySet<string>;
  readonly output: TypeDescriptor;
  readonly access: CompiledAccessRule;
}

const NAME = /^[a-z][A-Za-z0-9]*$/;
/** Root fields Engram itself defines. */
const RESERVED = new Set(['contexts', 'providers', 'node', 'nodes']);

/**
 * The set of context definitions of one Engram instance. Built at start-up; every problem
 * (duplicate name, invalid name, output that cannot become a GraphQL type) throws a
 * `DefinitionError` naming the definition.
 */
export class ContextRegistry {
  readonly #contexts = new Map<string, RegisteredContext>();

  constructor(definitions: Iterable<ContextDefinition> = []) {
    for (const definition of definitions) this.add(definition);
  }

  add(definition: ContextDefinition): this {
    const { name } = definition;
    if (!NAME.test(name)) {
      throw new DefinitionError(name, 'name must be camelCase and GraphQL-safe (match /^[a-z][A-Za-z0-9]*$/).');
    }
    if (RESERVED.has(name)) throw new DefinitionError(name, 'name is reserved by Engram.');
    if (this.#contexts.has(name)) throw new DefinitionError(name, 'is defined more than once; names must be unique.');
    if (definition.description.trim() === '') throw new DefinitionError(name, 'description must not be empty.');
    if (definition.sources.length === 0) throw new DefinitionError(name, 'needs at least one source.');
    let access: CompiledAccessRule;
    try {
      access = compileAccessRule(definition.access);
    } catch (error) {
      throw new DefinitionError(name, (error as Error).message);
    }
    const cache = definition.cache;
    if (cache && (!(cache.ttlSeconds > 0) || (cache.staleIfErrorSeconds ?? 0) < 0)) {
      throw new DefinitionError(name, 'cache.ttlSeconds must be > 0 and cache.staleIfErrorSeconds >= 0.');
    }
    if (cache?.scope !== undefined && cache.scope !== 'tenant' && cache.scope !== 'subject') {
      throw new DefinitionError(name, `cache.scope must be "tenant" or "subject" (received ${JSON.stringify(cache.scope)}).`);
    }

    const argsDef = definition.args._zod.def;
    if (argsDef.type !== 'object') throw new DefinitionError(name, 'args must be a zod object.');
    const args = Object.entries(definition.args.shape).map(([argName, schema]) => ({
      name: argName,
      type: describeType(schema, `"${argName}"`, pascalCase(argName), { definition: name, role: 'argument' }),
    }));

    const typeName = definition.typeName ?? pascalCase(name);
    const output = describeType(definition.output, typeName, typeName, { definition: name, role: 'output' });
    const shape = output.kind === 'list' ? output.of : output;
    if (shape.kind !== 'object') {
      throw new DefinitionError(name, 'output must be a zod object or an array of zod objects.');
    }

    this.#contexts.set(name, { definition, name, args, argNames: new Set(args.map((a) => a.name)), output, access });
    return this;
  }

  get(name: string): RegisteredContext | undefined {
    return this.#contexts.get(name);
  }

  has(name: string): boolean {
    return this.#contexts.has(name);
  }

  list(): RegisteredContext[] {
    return [...this.#contexts.values()];
  }
}
