export { principalOf, registerAuthentication, requireAuthentication, sendAuthFailure } from './authentication.js';
export type { AuthenticationRequirement } from './authentication.js';
export { createHttpServer } from './create-http-server.js';
export type { HttpServerOptions, LoadSheddingOptions, RateLimitOptions } from './create-http-server.js';
export type { ReadinessCheck } from './health-routes.js';
export { DEADLINE_HEADER, deadlineFromHeaders } from './request-options.js';
