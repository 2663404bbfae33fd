import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { type EngramError, ServiceUnavailableError, UnauthenticatedError } from '../errors/index.js';
import { createPrincipal, invalidIdentity, parseScopes, type Principal } from './principal.js';

/** Asymmetric algorithms only: never `none`, never an HMAC whose "secret" is a public key. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface JwtVerifierOptions {
  /** The identity provider's JSON Web Key Set (e.g. `https://idp.example.com/.well-known/jwks.json`). */
  readonly jwksUrl: string | URL;
  /** Accepted `iss`; tokens from any other issuer are refused. */
  readonly issuer: string;
  /** Accepted `aud`; tokens for another audience are refused. */
  readonly audience: string;
  /**
   * Claim that names the tenant.
   * @default 'tenant_id'
   */
  readonly tenantClaim?: string;
  /**
   * Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
   * @default 30
   */
  readonly clockToleranceSeconds?: number;
  /**
   * Least time between two fetches of the key set when a token names an unknown `kid` (key rotation).
   * @default 30000
   */
  readonly refreshCooldownMs?: number;
  /**
   * How long a fetched key set is trusted before it is fetched again.
   * @default 600000
   */
  readonly cacheMaxAgeMs?: number;
  /**
   * Time limit of one key-set fetch.
   * @default 5000
   */
  readonly fetchTimeoutMs?: number;
}

/**
 * Client-safe reasons for jose's failures; the token itself is never echoed. Signing keys that
 * cannot be fetched are an outage (503), not a bad token, as for the API key store.
 */
function refusal(error: unknown, tenantClaim: string): EngramError {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof errors.JWTExpired) return new UnauthenticatedError('The token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new UnauthenticatedError(`The token's "${error.claim}" claim is not accepted (${error.reason.replaceAll('_', ' ')}).`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new UnauthenticatedError(`The token's algorithm is not accepted; expected one of ${JWT_ALGORITHMS.join(', ')}.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new UnauthenticatedError('The token\'s signature is invalid.');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new UnauthenticatedError('No signing key of the identity provider matches the token.');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error instanceof TypeError && /fetch/i.test(error.message))) {
    return new ServiceUnavailableError('The identity provider\'s signing keys cannot be fetched right now; retry later.', { cause: error });
  }
  if (error instanceof errors.JOSEError) return new UnauthenticatedError('The token is malformed.');
  return new UnauthenticatedError(`The token could not be verified (expected a signed JWT with "sub" and "${tenantClaim}").`);
}

/**
 * Verifies JWT bearer tokens against a remote JWKS (jose): signature with an asymmetric algorithm,
 * `iss`, `aud`, `exp`/`nbf` with clock skew. The key set is cached and fetched again when a token
 * names an unknown `kid`, so key rotation needs no restart.
 */
export class JwtVerifier {
  readonly #keys: JWTVerifyGetKey;
  readonly #options: JwtVerifierOptions;
  readonly #tenantClaim: string;

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
    this.#tenantClaim = options.tenantClaim ?? 'tenant_id';
    this.#keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.refreshCooldownMs ?? 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: options.fetchTimeoutMs ?? 5000,
    });
  }

  /** The principal a token proves; throws `UnauthenticatedError` with a safe reason otherwise. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: [...JWT_ALGORITHMS],
        clockTolerance: this.#options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      });
      const tenant = payload[this.#tenantClaim];
      const problem = invalidIdentity(tenant, payload.sub);
      if (problem) throw new UnauthenticatedError(`The token's identity is not accepted: ${problem} (tenant claim "${this.#tenantClaim}").`);
      return createPrincipal({ tenant: tenant as string, subject: payload.sub as string, scopes: parseScopes(payload['scope'], payload['scp']), via: 'jwt' });
    } catch (error) {
      throw refusal(error, this.#tenantClaim);
    }
  }
}
