import { z } from 'zod';
import { ConfigError } from './errors/index.js';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const ms = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('localhost'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PGLITE_DIR: z.string().min(1).default('.engram/pglite'),
  SEED_DEMO: flag.optional(),
  ZEP_API_KEY: z.string().min(1).optional(),
  ZEP_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  ZEP_TIMEOUT_MS: ms(1500),
  ZEP_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(0),
  ZEP_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  ZEP_EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8100),
  PROVIDER_TIMEOUT_MS: ms(2000),
  REQUEST_DEADLINE_MS: ms(10_000),
});

export interface EngramConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.output<typeof EnvSchema>['LOG_LEVEL'];
  /** `postgres` with a URL, or `pglite` (embedded) with a data directory. */
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    | { readonly kind: 'pglite'; readonly dir: string };
  /** Load the demo data set at start-up. Default: on for the embedded database, off otherwise. */
  readonly seedDemo: boolean;
  /** Zep Cloud (or a compatible server) when an API key is set; the local emulator otherwise. */
  readonly zep:
    | { readonly kind: 'cloud'; readonly apiKey: string; readonly baseUrl: string | undefined }
    | { readonly kind: 'emulator'; readonly port: number };
  readonly zepTimeoutMs: number;
  readonly zepMaxRetries: number;
  readonly zepConcurrency: number;
  readonly providerTimeoutMs: number;
  readonly requestDeadlineMs: number;
}

/**
 * Reads and validates the environment. Empty variables count as unset. Throws a `ConfigError`
 * listing every problem as `NAME: reason (received "value")`.
 */
export function loadConfig(env: NodeJS.ProcessEnv): EngramConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = present[name];
      const shown = name.includes('KEY') || name === 'DATABASE_URL' ? '' : ` (received "${value}")`;
      return `${name}: ${issue.message}${shown}`;
    }));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dir: e.PGLITE_DIR },
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    zep: e.ZEP_API_KEY
      ? { kind: 'cloud', apiKey: e.ZEP_API_KEY, baseUrl: e.ZEP_BASE_URL }
      : { kind: 'emulator', port: e.ZEP_EMULATOR_PORT },
    zepTimeoutMs: e.ZEP_TIMEOUT_MS,
    zepMaxRetries: e.ZEP_MAX_RETRIES,
    zepConcurrency: e.ZEP_CONCURRENCY,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    requestDeadlineMs: e.REQUEST_DEADLINE_MS,
  };
}
