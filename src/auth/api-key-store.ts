import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { EngramDatabase } from '../providers/postgres/index.js';
import { createPrincipal, invalidIdentity, type Principal } from './principal.js';

/** API keys read `egk_<id>_<secret>`: the id finds the row, the secret is checked against its hash. */
const KEY_PATTERN = /^egk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key as listed: everything but the secret, which only `create` ever returns. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly tenant: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly name: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface CreateApiKeyInput {
  readonly tenant: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly name: string;
  /** No expiry when absent. */
  readonly expiresAt?: Date;
}

export interface ApiKeyStoreOptions {
  /**
   * How long a looked-up key (or the absence of one) is trusted before PostgreSQL is asked again:
   * a revocation takes effect within this time. At most 30000.
   * @default 30000
   */
  readonly cacheTtlMs?: number;
  /**
   * Keys whose lookups are cached.
   * @default 10000
   */
  readonly cacheMaxEntries?: number;
}

interface CachedKey {
  readonly hash: Buffer;
  readonly principal: Principal;
  readonly expiresAt: number | null;
  readonly revoked: boolean;
}

/** The cache cannot hold `undefined`: unknown ids are cached as this. */
const UNKNOWN = Symbol('unknown key');

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** `last_used_at` is written at most this often per key, so verification stays a cache hit. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * API keys for agents and services, kept in PostgreSQL (`api_keys`) as SHA-256 hashes of their
 * random 256-bit secrets: a leaked table does not leak keys. Verification compares in constant time
 * and caches lookups for at most 30 s, so a revoked key stops working within that window.
 */
export class ApiKeyStore {
  readonly #db: EngramDatabase;
  readonly #cache: LRUCache<string, CachedKey>;
  /** Ids that matched no key, kept apart so that a flood of made-up ids cannot evict real keys. */
  readonly #unknown: LRUCache<string, typeof UNKNOWN>;
  /** Lookups in flight: concurrent requests with one key cost one query. */
  readonly #pending = new Map<string, Promise<CachedKey | typeof UNKNOWN>>();
  readonly #lastUsedWrites = new Map<string, number>();

  constructor(db: EngramDatabase, options: ApiKeyStoreOptions = {}) {
    const ttl = options.cacheTtlMs ?? 30_000;
    if (!(ttl >= 0 && ttl <= 30_000)) throw new RangeError(`ApiKeyStore: cacheTtlMs must be 0–30000, received ${ttl}`);
    this.#db = db;
    this.#cache = new LRUCache({ max: options.cacheMaxEntries ?? 10_000, ttl: Math.max(1, ttl) });
    this.#unknown = new LRUCache({ max: options.cacheMaxEntries ?? 10_000, ttl: Math.max(1, ttl) });
  }

  /** True when `credential` has the shape of an Engram API key (says nothing about validity). */
  static looksLikeKey(credential: string): boolean {
    return credential.startsWith('egk_');
  }

  /** Creates a key; the returned `key` is the only copy of the secret. */
  async create(input: CreateApiKeyInput): Promise<{ key: string; info: ApiKeyInfo }> {
    const problem = invalidIdentity(input.tenant, input.subject);
    if (problem) throw new RangeError(`Cannot create an API key: ${problem}.`);
    if (input.name.trim() === '') throw new RangeError('Cannot create an API key: the name must not be empty.');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = await this.#db
      .insertInto('api_keys')
      .values({
        id,
        tenant_id: input.tenant,
        subject: input.subject,
        scopes: [...new Set(input.scopes)],
        name: input.name.trim(),
        key_hash: sha256(secret).toString('hex'),
        expires_at: input.expiresAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { key: `egk_${id}_${secret}`, info: toInfo(row) };
  }

  /** Keys, newest first; of one tenant when given. */
  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    let query = this.#db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (tenant !== undefined) query = query.where('tenant_id', '=', tenant);
    return (await query.execute()).map(toInfo);
  }

  /** Revokes a key; false when no such (unrevoked) key exists. Other instances notice within the cache TTL. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    this.#cache.delete(id);
    this.#unknown.delete(id);
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * The principal of a valid key, or a reason it is refused. Database failures propagate (the
   * caller decides how to answer: an outage is not a bad key).
   */
  async verify(credential: string): Promise<Principal | { refused: string }> {
    const match = KEY_PATTERN.exec(credential);
    if (!match) return { refused: 'The API key is malformed (expected egk_<16 hex>_<43 base64url>).' };
    const [, id, secret] = match as unknown as [string, string, string];
    return this.#check(id, secret, this.#cache.get(id) ?? this.#unknown.get(id) ?? (await this.#lookupOnce(id)));
  }

  /**
   * The answer of `verify` when the key's record is cached (no database, no promise), else
   * `undefined`: the caller then awaits `verify`.
   */
  verifyCached(credential: string): Principal | { refused: string } | undefined {
    const match = KEY_PATTERN.exec(credential);
    if (!match) return { refused: 'The API key is malformed (expected egk_<16 hex>_<43 base64url>).' };
    const [, id, secret] = match as unknown as [string, string, string];
    const cached = this.#cache.get(id) ?? this.#unknown.get(id);
    return cached === undefined ? undefined : this.#check(id, secret, cached);
  }

  #check(id: string, secret: string, cached: CachedKey | typeof UNKNOWN): Principal | { refused: string } {
    // The same answer for an unknown id and a wrong secret: nothing tells an attacker which ids exist.
    if (cached === UNKNOWN || !timingSafeEqual(cached.hash, sha256(secret))) return { refused: 'The API key is not valid.' };
    if (cached.revoked) return { refused: 'The API key has been revoked.' };
    if (cached.expiresAt !== null && cached.expiresAt <= Date.now()) return { refused: 'The API key has expired.' };
    this.#touch(id);
    return cached.principal;
  }

  /** One database lookup per id at a time; its answer is cached (known and unknown ids apart). */
  #lookupOnce(id: string): Promise<CachedKey | typeof UNKNOWN> {
    let pending = this.#pending.get(id);
    if (!pending) {
      pending = this.#lookup(id)
        .then((found) => {
          if (found === UNKNOWN) this.#unknown.set(id, UNKNOWN);
          else this.#cache.set(id, found);
          return found;
        })
        .finally(() => this.#pending.delete(id));
      this.#pending.set(id, pending);
    }
    return pending;
  }

  async #lookup(id: string): Promise<CachedKey | typeof UNKNOWN> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return UNKNOWN;
    return {
      hash: Buffer.from(row.key_hash, 'hex'),
      principal: createPrincipal({ tenant: row.tenant_id, subject: row.subject, scopes: row.scopes, via: 'api-key' }),
      expiresAt: row.expires_at === null ? null : new Date(row.expires_at).getTime(),
      revoked: row.revoked_at !== null,
    };
  }

  /** Records use, at most once a minute per key, without delaying the request. */
  #touch(id: string): void {
    const now = Date.now();
    if (now - (this.#lastUsedWrites.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    this.#lastUsedWrites.set(id, now);
    if (this.#lastUsedWrites.size > 10_000) this.#lastUsedWrites.clear();
    this.#db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', id)
      .execute()
      .catch(() => {});
  }
}

function toInfo(row: {
  id: string; tenant_id: string; subject: string; scopes: string[]; name: string;
  created_at: Date; expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null;
}): ApiKeyInfo {
  return {
    id: row.id,
    tenant: row.tenant_id,
    subject: row.subject,
    scopes: row.scopes,
    name: row.name,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
  };
}
