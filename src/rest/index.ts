export { coerceQueryArgs } from './coerce-query.js';
export { buildOpenApiDocument } from './openapi-document.js';
export { registerRestRoutes } from './rest-routes.js';
export type { SessionFactory } from './rest-routes.js';
export type { RestMeta } from './rest-routes.js';
export type { PrincipalOf } from './write-routes.js';
export type { WriteSchemas } from './openapi-document.js';
