export { createHttpServer } from './create-http-server.js';
export type { HttpServerOptions, LoadSheddingOptions, RateLimitOptions } from './create-http-server.js';
export type { ReadinessCheck } from './health-routes.js';
export { DEADLINE_HEADER, PRINCIPAL_HEADER, sessionOptionsFromHeaders } from './request-options.js';
