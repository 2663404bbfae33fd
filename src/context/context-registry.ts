import { compileAccessRule, type CompiledAccessRule } from '../auth/index.js';
import { DefinitionError } from '../errors/index.js';
import { PromptContextSchema } from '../prompt/index.js';
import { bundleArgsSchema, MAX_BUDGET_TOKENS, type BundleDefinition } from './define-bundle.js';
import type { ArgsSchema, ContextDefinition } from './define-context.js';
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

/** A bundle plus what was derived from it once, at registration. */
export interface RegisteredBundle {
  readonly definition: BundleDefinition;
  readonly name: string;
  /** Every argument callers send: the bundle's own, then `budgetTokens` and `format`. */
  readonly schema: ArgsSchema;
  readonly args: readonly ArgumentInfo[];
  readonly argNames: ReadonlySet<string>;
  /** `PromptContext`. */
  readonly output: TypeDescriptor;
}

const NAME = /^[a-z][A-Za-z0-9]*$/;
const PART_NAME = /^[a-z][A-Za-z0-9]*$/;
/** Root fields Engram itself defines. */
const RESERVED = new Set(['contexts', 'providers', 'node', 'nodes']);

/**
 * The set of context definitions of one Engram instance. Built at start-up; every problem
 * (duplicate name, invalid name, output that cannot become a GraphQL type) throws a
 * `DefinitionError` naming the definition.
 */
export class ContextRegistry {
  readonly #contexts = new Map<string, RegisteredContext>();
  readonly #bundles = new Map<string, RegisteredBundle>();

  /** Bundles are added after the contexts, whatever the order given: they read them. */
  constructor(definitions: Iterable<ContextDefinition> = [], bundles: Iterable<BundleDefinition> = []) {
    for (const definition of definitions) this.add(definition);
    for (const bundle of bundles) this.addBundle(bundle);
  }

  #checkName(name: string, description: string): void {
    if (!NAME.test(name)) {
      throw new DefinitionError(name, 'name must be camelCase and GraphQL-safe (match /^[a-z][A-Za-z0-9]*$/).');
    }
    if (RESERVED.has(name)) throw new DefinitionError(name, 'name is reserved by Engram.');
    if (this.#contexts.has(name) || this.#bundles.has(name)) throw new DefinitionError(name, 'is defined more than once; names must be unique.');
    if (description.trim() === '') throw new DefinitionError(name, 'description must not be empty.');
  }

  #describeArgs(name: string, schema: ArgsSchema): ArgumentInfo[] {
    if (schema._zod.def.type !== 'object') throw new DefinitionError(name, 'args must be a zod object.');
    return Object.entries(schema.shape).map(([argName, argSchema]) => ({
      name: argName,
      type: describeType(argSchema, `"${argName}"`, pascalCase(argName), { definition: name, role: 'argument' }),
    }));
  }

  add(definition: ContextDefinition): this {
    const { name } = definition;
    this.#checkName(name, definition.description);
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

    const args = this.#describeArgs(name, definition.args);

    const typeName = definition.typeName ?? pascalCase(name);
    const output = describeType(definition.output, typeName, typeName, { definition: name, role: 'output' });
    const shape = output.kind === 'list' ? output.of : output;
    if (shape.kind !== 'object') {
      throw new DefinitionError(name, 'output must be a zod object or an array of zod objects.');
    }

    this.#contexts.set(name, { definition, name, args, argNames: new Set(args.map((a) => a.name)), output, access });
    return this;
  }

  /**
   * Adds a bundle. Each part must read a context of this registry, with a priority that is a
   * non-negative integer; `budgetTokens` and `format` are the bundle's own arguments.
   */
  addBundle(definition: BundleDefinition): this {
    const { name } = definition;
    this.#checkName(name, definition.description);
    if (definition.args._zod.def.type !== 'object') throw new DefinitionError(name, 'args must be a zod object.');
    for (const reserved of ['budgetTokens', 'format']) {
      if (reserved in definition.args.shape) throw new DefinitionError(name, `argument "${reserved}" is added to every bundle; do not declare it.`);
    }
    if (!Number.isInteger(definition.budgetTokens) || definition.budgetTokens < 0 || definition.budgetTokens > MAX_BUDGET_TOKENS) {
      throw new DefinitionError(name, `budgetTokens must be an integer from 0 to ${MAX_BUDGET_TOKENS} (received ${definition.budgetTokens}).`);
    }
    if (definition.parts.length === 0) throw new DefinitionError(name, 'needs at least one part.');
    for (const part of definition.parts) {
      const where = `part "${part.name}"`;
      if (!PART_NAME.test(part.name)) throw new DefinitionError(name, `${where}: name must be camelCase (match /^[a-z][A-Za-z0-9]*$/).`);
      if (this.#contexts.get(part.context.name)?.definition !== part.context) {
        throw new DefinitionError(name, `${where} reads context "${part.context.name}", which is not registered; pass it in definitions too.`);
      }
      if (!Number.isInteger(part.priority) || part.priority < 0) {
        throw new DefinitionError(name, `${where}: priority must be an integer >= 0 (0 = never cut; received ${part.priority}).`);
      }
    }
    const schema = bundleArgsSchema(definition);
    const args = this.#describeArgs(name, schema);
    const output = describeType(PromptContextSchema, 'PromptContext', 'PromptContext', { definition: name, role: 'output' });
    this.#bundles.set(name, { definition, name, schema, args, argNames: new Set(args.map((a) => a.name)), output });
    return this;
  }

  bundle(name: string): RegisteredBundle | undefined {
    return this.#bundles.get(name);
  }

  /** Every bundle, in registration order: what a surface (GraphQL, REST, MCP) serves besides the contexts. */
  bundles(): RegisteredBundle[] {
    return [...this.#bundles.values()];
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
