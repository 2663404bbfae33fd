import { globalRegistry, type core } from 'zod';
import { DefinitionError } from '../errors/index.js';

/** GraphQL scalars a zod schema can become. */
export type ScalarName = 'String' | 'Int' | 'Float' | 'Boolean' | 'ID' | 'DateTime' | 'JSON';

interface DescriptorBase {
  /** Whether `null`/absence is allowed (zod `.nullable()`, `.optional()`, `.default()`). */
  readonly nullable: boolean;
  readonly description: string | undefined;
  /** Present when the schema has `.default(value)`. */
  readonly defaultValue?: unknown;
}

export interface ScalarDescriptor extends DescriptorBase {
  readonly kind: 'scalar';
  readonly scalar: ScalarName;
}

export interface EnumDescriptor extends DescriptorBase {
  readonly kind: 'enum';
  /** Type name from `.meta({ id })`, else derived from the path. */
  readonly name: string;
  readonly values: readonly string[];
  /** The zod schema itself: equal schemas compile to one GraphQL type. */
  readonly schema: core.$ZodType;
}

export interface ListDescriptor extends DescriptorBase {
  readonly kind: 'list';
  readonly of: TypeDescriptor;
}

export interface ObjectDescriptor extends DescriptorBase {
  readonly kind: 'object';
  readonly name: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: TypeDescriptor }>;
  readonly schema: core.$ZodType;
}

/** A zod schema reduced to what GraphQL, REST coercion and OpenAPI need to know. */
export type TypeDescriptor = ScalarDescriptor | EnumDescriptor | ListDescriptor | ObjectDescriptor;

export interface DescribeOptions {
  /** Definition name, for error messages. */
  readonly definition: string;
  /** `output` or `argument`: inputs cannot hold objects or JSON. */
  readonly role: 'output' | 'argument';
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

export function pascalCase(name: string): string {
  return name.replace(/(^|[_\-\s]+)([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

function metaOf(schema: core.$ZodType): Record<string, unknown> | undefined {
  return globalRegistry.get(schema) as Record<string, unknown> | undefined;
}

/**
 * Describes a zod schema, or throws a `DefinitionError` naming the definition, the path and the
 * zod type that cannot become a GraphQL type.
 * @param typeName the GraphQL name for an object/enum at this position unless `.meta({ id })` gives one
 */
export function describeType(
  schema: core.$ZodType,
  path: string,
  typeName: string,
  options: DescribeOptions,
): TypeDescriptor {
  let current = schema;
  let nullable = false;
  let description: string | undefined;
  let defaultValue: unknown;
  let hasDefault = false;
  let graphqlType: unknown;
  let id: unknown;

  // Peel wrappers from the outside in, keeping the outermost description and meta.
  for (;;) {
    const meta = metaOf(current);
    description ??= typeof meta?.['description'] === 'string' ? meta['description'] : undefined;
    graphqlType ??= meta?.['x-graphql-type'];
    id ??= meta?.['id'];
    const def = current._zod.def;
    if (def.type === 'nullable' || def.type === 'optional') {
      nullable = true;
      current = (def as core.$ZodNullableDef).innerType;
    } else if (def.type === 'default') {
      nullable = true;
      hasDefault = true;
      const dv = (def as core.$ZodDefaultDef).defaultValue;
      defaultValue = typeof dv === 'function' ? (dv as () => unknown)() : dv;
      current = (def as core.$ZodDefaultDef).innerType;
    } else if (def.type === 'readonly' || def.type === 'catch' || def.type === 'prefault' || def.type === 'nonoptional') {
      current = (def as core.$ZodReadonlyDef).innerType;
    } else if (def.type === 'pipe') {
      // For outputs the shape clients see is the pipe's output; for arguments, its input.
      const pipe = def as core.$ZodPipeDef;
      current = options.role === 'output' ? pipe.out : pipe.in;
    } else {
      break;
    }
  }

  const base = { nullable, description, ...(hasDefault ? { defaultValue } : {}) };
  const fail = (problem: string): never => {
    throw new DefinitionError(options.definition, `${options.role} ${path} ${problem}`);
  };
  const def = current._zod.def;
  const name = typeof id === 'string' ? id : typeName;

  if (graphqlType === 'ID') return { kind: 'scalar', scalar: 'ID', ...base };
  switch (def.type) {
    case 'string': {
      const format = (def as core.$ZodStringFormatDef).format;
      return { kind: 'scalar', scalar: format === 'datetime' ? 'DateTime' : 'String', ...base };
    }
    case 'number': {
      const format = (def as core.$ZodNumberFormatDef).format;
      const isInt = format === 'safeint' || format === 'int32' || format === 'uint32'
        || (current as unknown as { isInt?: boolean }).isInt === true;
      return { kind: 'scalar', scalar: isInt ? 'Int' : 'Float', ...base };
    }
    case 'boolean':
      return { kind: 'scalar', scalar: 'Boolean', ...base };
    case 'date':
      return { kind: 'scalar', scalar: 'DateTime', ...base };
    case 'enum': {
      const values = Object.values((def as core.$ZodEnumDef).entries).map(String);
      if (!GRAPHQL_NAME.test(name)) fail(`has enum type name "${name}", which is not a valid GraphQL name`);
      const bad = values.find((v) => !GRAPHQL_NAME.test(v) || v === 'true' || v === 'false' || v === 'null');
      if (bad !== undefined) fail(`has enum value "${bad}", which is not a valid GraphQL enum value`);
      return { kind: 'enum', name, values, schema: current, ...base };
    }
    case 'record':
    case 'unknown':
    case 'any':
      if (options.role === 'argument') fail(`has zod type "${def.type}", which cannot be a GraphQL argument`);
      return { kind: 'scalar', scalar: 'JSON', ...base };
    case 'array': {
      const element = (def as core.$ZodArrayDef).element;
      const of = describeType(element, `${path}[]`, typeName, options);
      if (of.kind === 'list') fail('is a list of lists, which Engram does not compile');
      return { kind: 'list', of, ...base };
    }
    case 'object': {
      if (options.role === 'argument') fail('is an object; arguments must be scalars, enums or lists of them');
      if (!GRAPHQL_NAME.test(name)) fail(`has type name "${name}", which is not a valid GraphQL name`);
      const shape = (def as core.$ZodObjectDef).shape;
      const fields = Object.entries(shape).map(([field, fieldSchema]) => {
        if (!GRAPHQL_NAME.test(field)) fail(`has field "${field}", which is not a valid GraphQL name`);
        return { name: field, type: describeType(fieldSchema, `${path}.${field}`, `${name}${pascalCase(field)}`, options) };
      });
      if (fields.length === 0) fail('is an object without fields');
      return { kind: 'object', name, fields, schema: current, ...base };
    }
    default:
      return fail(`has zod type "${def.type}", which cannot become a GraphQL type`);
  }
}
