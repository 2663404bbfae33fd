export { createHttpServer } from './create-http-server.js';
export type { HttpServerOptions, RateLimitOptions } from './create-http-server.js';
export { ConnectionDrainer } from './connection-drainer.js';
export { clientErrorResponse, frameworkErrorResponse, httpErrorBody, httpErrorCode, registerErrorResponses } from './error-responses.js';
export type { HttpErrorBody, HttpErrorCode } from './error-responses.js';
export type { HttpLimits } from './http-limits.js';
export type { LoadSheddingOptions } from './load-shedding.js';
export type { ReadinessCheck } from './health-routes.js';
export { DEADLINE_HEADER, PRINCIPAL_HEADER, sessionOptionsFromHeaders } from './request-options.js';
