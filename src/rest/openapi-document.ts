import { z } from 'zod';
import type { ContextRegistry, RegisteredBundle, RegisteredContext } from '../context/index.js';
import { PromptContextSchema } from '../prompt/index.js';
import { BundleProvenanceSchema, ProvenanceSchema } from '../store/index.js';

type JsonSchema = Record<string, unknown>;

/**
 * Converts a zod schema to JSON Schema (2020-12, as OpenAPI 3.1 uses), moving named types
 * (`.meta({ id })`) into `components.schemas` so that they are defined once.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _ignored, $defs, ...rest } = json;
  const relink = (value: unknown): JsonSchema =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) components[name] = relink(def);
  return relink(rest);
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', examples: ['BAD_USER_INPUT', 'CONTEXT_NOT_FOUND', 'PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT', 'BUDGET_TOO_SMALL'] },
        message: { type: 'string' },
        minimumTokens: { type: 'integer', description: 'BUDGET_TOO_SMALL: the smallest budget the priority-0 parts fit in.' },
        budgetTokens: { type: 'integer', description: 'BUDGET_TOO_SMALL: the budget asked for.' },
        invalidArgs: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } }, required: ['field', 'reason'] },
        },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

interface ServedRoute {
  readonly name: string;
  readonly summary: string;
  /** What the route reads and who may read it. */
  readonly about: string;
  readonly args: z.ZodType;
  readonly output: z.ZodType;
  /** The component schema of `meta`. */
  readonly meta: string;
  readonly extraResponses?: Record<string, JsonSchema>;
}

function pathItem(route: ServedRoute, components: Record<string, JsonSchema>): JsonSchema {
  const argsSchema = toSchema(route.args, 'input', components);
  const properties = (argsSchema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((argsSchema['required'] ?? []) as string[]);
  const ok = {
    description: 'The value and its provenance.',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { data: toSchema(route.output, 'output', components), meta: { $ref: `#/components/schemas/${route.meta}` } },
          required: ['data', 'meta'],
        },
      },
    },
  };
  const responses = {
    200: ok,
    400: errorResponse('Invalid arguments: each bad field with the reason.'),
    401: errorResponse('Missing or refused credentials (UNAUTHENTICATED); the answer carries `WWW-Authenticate: Bearer`.'),
    403: errorResponse('The access rule of the context refuses this principal (FORBIDDEN).'),
    404: errorResponse('Unknown context.'),
    ...route.extraResponses,
    429: errorResponse('Rate limit of the principal exceeded (RATE_LIMITED); see `Retry-After`.'),
    502: errorResponse('Every source failed (PROVIDER_UNAVAILABLE, PROVIDER_ERROR).'),
    504: errorResponse('Every source timed out (PROVIDER_TIMEOUT, DEADLINE_EXCEEDED).'),
  };
  const operationId = `${route.name[0]?.toUpperCase()}${route.name.slice(1)}`;
  return {
    get: {
      operationId: `get${operationId}`,
      summary: route.summary,
      description: route.about,
      tags: ['contexts'],
      parameters: Object.entries(properties).map(([name, schema]) => {
        const { description, ...rest } = schema;
        const isList = rest['type'] === 'array';
        return {
          name,
          in: 'query',
          required: required.has(name),
          ...(typeof description === 'string' ? { description } : {}),
          ...(isList ? { style: 'form', explode: true } : {}),
          schema: rest,
        };
      }),
      responses,
    },
    post: {
      operationId: `post${operationId}`,
      summary: route.summary,
      description: `Arguments as a JSON body. ${route.about}`,
      tags: ['contexts'],
      requestBody: { required: false, content: { 'application/json': { schema: argsSchema } } },
      responses,
    },
  };
}

function contextRoute(context: RegisteredContext): ServedRoute {
  const { definition } = context;
  const sources = definition.sources.map((s) => `${s.provider}.${s.operation}`).join(' → ');
  const access = context.access.public
    ? 'Readable by any principal of the tenant.'
    : `Requires ${context.access.scopes.map((s) => `\`${s}\``).join(', ')}${context.access.owner ? `; only for records of the caller's own subject unless it holds ${context.access.anyScopes.map((s) => `\`${s}\``).join(', ')}` : ''}.`;
  return { name: context.name, summary: definition.description, about: `Sources, in order: ${sources}. ${access}`, args: definition.args, output: definition.output, meta: 'ContextMeta' };
}

function bundleRoute(bundle: RegisteredBundle): ServedRoute {
  const { definition } = bundle;
  const parts = definition.parts.map((p) => `${p.name} (${p.context.name}, priority ${p.priority})`).join(', ');
  return {
    name: bundle.name,
    summary: definition.description,
    about: `A bundle: one prompt-ready text of its parts, fitted to \`budgetTokens\` (priority 0 never cut, higher numbers cut first). Parts: ${parts}. Readable when every priority-0 part is; another part that is refused or fails is left out and reported in \`meta.parts\`.`,
    args: bundle.schema,
    output: PromptContextSchema,
    meta: 'BundleMeta',
    extraResponses: { 422: errorResponse('The priority-0 parts do not fit `budgetTokens` (BUDGET_TOO_SMALL); `minimumTokens` gives the smallest budget that fits.') },
  };
}

/** The write routes, their bodies generated from the write path's zod schemas. */
function writePaths(writes: WriteSchemas, components: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const responses = {
    200: { description: 'The first answer of an earlier request with the same idempotency key.' },
    201: { description: 'Committed in PostgreSQL; `delivery: PENDING` until the outbox has delivered it to Zep.' },
    400: errorResponse('Invalid input: each bad field with the reason (BAD_USER_INPUT).'),
    401: errorResponse('Missing or refused credentials (UNAUTHENTICATED).'),
    403: errorResponse('No `memory:write`, or not your record without `memory:write:any` (FORBIDDEN).'),
    404: errorResponse('No such record in your tenant (NOT_FOUND; with `memory:write:any` only).'),
    422: errorResponse('The idempotency key was used for a different request (IDEMPOTENCY_KEY_REUSED).'),
  };
  const route = (operationId: string, summary: string, param: string, body: z.ZodObject) => ({
    post: {
      operationId,
      summary,
      tags: ['writes'],
      parameters: [
        { name: param, in: 'path', required: true, schema: { type: 'string' } },
        { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: toSchema(body.omit({ [param]: true } as never), 'input', components) } } },
      responses,
    },
  });
  return {
    '/api/v1/threads/{threadId}/messages': route('appendMessages', 'Appends messages to a thread (Postgres first, then Zep through the outbox).', 'threadId', writes.appendMessages),
    '/api/v1/users/{userId}/facts': route('addFacts', 'Records facts about a user (Postgres first, then Zep through the outbox).', 'userId', writes.addFacts),
  };
}

/** The zod schemas of the write routes' arguments. */
export interface WriteSchemas {
  readonly appendMessages: z.ZodObject;
  readonly addFacts: z.ZodObject;
}

/** The OpenAPI 3.1 document of the REST API, generated from the registry (and the write path, when there is one). */
export function buildOpenApiDocument(registry: ContextRegistry, writes?: WriteSchemas): JsonSchema {
  const components: Record<string, JsonSchema> = { Error: ERROR_SCHEMA };
  // ContextMeta (and the schemas it uses) come from the provenance schema itself.
  toSchema(ProvenanceSchema, 'output', components);
  toSchema(BundleProvenanceSchema, 'output', components);
  const routes = [...registry.list().map(contextRoute), ...registry.bundles().map(bundleRoute)];
  const paths = Object.fromEntries(routes.map((route) => [`/api/v1/context/${route.name}`, pathItem(route, components)]));
  if (writes) Object.assign(paths, writePaths(writes, components));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Engram context API',
      version: '1.0.0',
      description: 'Every registered context definition and bundle, served through the same virtual store as GraphQL, and the write routes.',
    },
    paths,
    // Every context route needs a bearer credential: a JWT of the configured identity provider or an Engram API key.
    security: [{ bearer: [] }],
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A JWT (RS256/ES256/EdDSA) of the configured issuer, or an Engram API key (`egk_…`).' } },
    },
  };
}
