export { createHttpServer } from './create-http-server.js';
export type { HttpServerOptions } from './create-http-server.js';
export type { ReadinessCheck } from './health-routes.js';
