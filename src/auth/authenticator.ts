import { ServiceUnavailableError, UnauthenticatedError } from '../errors/index.js';
import { ApiKeyStore } from './api-key-store.js';
import { JwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';
import { developmentPrincipal, type Principal } from './principal.js';

export type AuthOptions =
  | {
      /** Every request must carry a verified credential: a JWT (when `jwt` is set) or an API key. */
      readonly mode: 'required';
      readonly jwt?: JwtVerifier | JwtVerifierOptions;
      /** API keys in PostgreSQL; `false` accepts JWTs only. */
      readonly apiKeys?: ApiKeyStore | false;
    }
  | {
      /**
       * Development only: every request is the fixed development principal of `tenant`, with every
       * scope. `main.ts` (the `AUTH_MODE` setting) refuses it unless the server binds a loopback
       * address; code that calls `createEngram` itself must bind one too: nothing else protects it.
       */
      readonly mode: 'off';
      /** @default 'acme' */
      readonly tenant?: string;
    };

export type AuthMode = AuthOptions['mode'];

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Turns a request's `Authorization` header into a verified {@link Principal}, once per request,
 * for every surface (GraphQL, REST, MCP). Nothing a client asserts without a signature or a key
 * decides who it is.
 */
export class Authenticator {
  readonly mode: AuthMode;
  readonly #jwt: JwtVerifier | undefined;
  readonly #apiKeys: ApiKeyStore | undefined;
  readonly #development: Principal | undefined;

  constructor(options: AuthOptions) {
    this.mode = options.mode;
    if (options.mode === 'off') {
      this.#development = developmentPrincipal(options.tenant ?? 'acme');
      return;
    }
    this.#jwt = options.jwt === undefined ? undefined : options.jwt instanceof JwtVerifier ? options.jwt : new JwtVerifier(options.jwt);
    this.#apiKeys = options.apiKeys || undefined;
    if (!this.#jwt && !this.#apiKeys) throw new RangeError('Authenticator: mode "required" needs JWT verification, API keys, or both.');
  }

  /** Which credentials are accepted, for `WWW-Authenticate` and start-up logs. */
  get accepts(): string {
    if (this.#development) return 'none (AUTH_MODE=off)';
    return [this.#jwt ? 'JWT bearer tokens' : undefined, this.#apiKeys ? 'API keys' : undefined].filter(Boolean).join(' and ');
  }

  /**
   * The verified principal when it is known without waiting — the development principal, or an API
   * key whose record is cached — else `undefined` (then `authenticate` decides). Throws as
   * `authenticate` rejects.
   */
  authenticateNow(authorization: string | undefined): Principal | undefined {
    if (this.#development) return this.#development;
    if (!this.#apiKeys || authorization === undefined) return undefined;
    const bearer = BEARER.exec(authorization);
    const credential = bearer?.[1];
    if (credential === undefined || !ApiKeyStore.looksLikeKey(credential)) return undefined;
    const result = this.#apiKeys.verifyCached(credential);
    if (result !== undefined && 'refused' in result) throw new UnauthenticatedError(result.refused);
    return result;
  }

  /** The verified principal, or an `UnauthenticatedError` saying what is wrong with the credentials. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (this.#development) return this.#development;
    if (authorization === undefined || authorization === '') {
      throw new UnauthenticatedError(`Authentication required: send "Authorization: Bearer <token>" (${this.accepts}).`);
    }
    const bearer = BEARER.exec(authorization);
    if (!bearer) throw new UnauthenticatedError('The Authorization header must use the Bearer scheme: "Authorization: Bearer <token>".');
    const credential = bearer[1] as string;
    if (this.#apiKeys && ApiKeyStore.looksLikeKey(credential)) {
      const result = await this.#apiKeys.verify(credential).catch((error: unknown) => {
        // The key store being down is an outage, not a bad key: 503, and the client retries.
        throw new ServiceUnavailableError('API keys cannot be checked right now; retry later.', { cause: error });
      });
      if ('refused' in result) throw new UnauthenticatedError(result.refused);
      return result;
    }
    if (this.#jwt && credential.split('.').length === 3) return this.#jwt.verify(credential);
    throw new UnauthenticatedError(`The bearer credential is not recognised; expected ${this.accepts}.`);
  }
}
