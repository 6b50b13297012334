// Bearer tokens. Only a SHA-256 of each token is stored (a leaked Redis dump yields no usable
// token); tokens are 32 random bytes, so a fast hash is enough, no password-style KDF needed.
//
// Every /v1 request looks its token up, so a TokenStore keeps the records it read for a few
// seconds (keyed by the hash, bounded in size): a steady client costs no Redis round trip for
// authentication. The price is revocation latency: a token deleted from Redis (or changed,
// e.g. its quota) by anything other than this store keeps its old record on this process for
// up to `cacheTtlMs`. Unknown tokens are never cached, so a token issued by another API replica
// works at once, and random tokens cannot push real ones out of the cache.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export type Scope = 'admin' | 'jobs:write' | 'jobs:read';

export interface TokenRecord {
  tenant: string;
  scopes: Scope[];
  name: string;
  createdAt: string;
  /** The most jobs this token's tenant may have queued or running (unset = no limit). */
  maxActiveJobs?: number;
}

export interface TokenStoreOptions {
  /** The connection lookup() reads through. Default the store's `redis`. */
  reads?: Redis;
  /**
   * How long a record read from Redis is reused without asking again, in ms: the longest a
   * token deleted from Redis elsewhere still authenticates here. Default 5000; 0 disables
   * the cache.
   */
  cacheTtlMs?: number;
  /** The most records kept; beyond it the oldest entry is dropped. Default 10000. */
  cacheSize?: number;
  /** The clock the cache expires by (tests pass a fake one). Default `Date.now`. */
  now?: () => number;
}

export const DEFAULT_TOKEN_CACHE_TTL_MS = 5000;
export const DEFAULT_TOKEN_CACHE_SIZE = 10_000;

interface CachedRecord {
  record: TokenRecord;
  /** `now()` value after which the record must be read again. */
  expiresAt: number;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return `bpfq_${randomBytes(32).toString('base64url')}`;
}

export class TokenStore {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly reads: Redis;
  /** Hash → record; a Map iterates in insertion order, so its first key is the oldest entry. */
  private readonly cache = new Map<string, CachedRecord>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    options: TokenStoreOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    this.maxEntries = options.cacheSize ?? DEFAULT_TOKEN_CACHE_SIZE;
    this.now = options.now ?? Date.now;
    this.reads = options.reads ?? redis;
  }

  async lookup(token: string): Promise<TokenRecord | undefined> {
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached !== undefined) {
      if (cached.expiresAt > this.now()) return cached.record;
      this.cache.delete(hash);
    }
    const raw = await this.reads.hget(this.keys.tokens, hash);
    if (raw === null) return undefined;
    // Frozen: one cached record is shared by every request that presents the token.
    const record = JSON.parse(raw) as TokenRecord;
    Object.freeze(record.scopes);
    Object.freeze(record);
    this.remember(hash, record);
    return record;
  }

  /** How many records the cache holds now (for tests). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private remember(hash: string, record: TokenRecord): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.cache.delete(hash); // re-inserted below as the newest
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
    this.cache.set(hash, { record, expiresAt: this.now() + this.ttlMs });
  }

  async put(token: string, record: TokenRecord): Promise<void> {
    const hash = hashToken(token);
    await this.redis.hset(this.keys.tokens, hash, JSON.stringify(record));
    // What this process wrote is what it serves, without waiting for the entry to expire.
    this.cache.delete(hash);
  }

  /** Makes `token` the admin token of tenant `admin` (idempotent). */
  async bootstrapAdmin(token: string): Promise<void> {
    await this.put(token, {
      tenant: 'admin',
      scopes: ['admin', 'jobs:write', 'jobs:read'],
      name: 'bootstrap admin',
      createdAt: new Date().toISOString(),
    });
  }

  /** Creates a token for a tenant and returns it (the only time it is seen in clear). */
  async issue(
    tenant: string,
    scopes: Scope[],
    name: string,
    maxActiveJobs?: number,
  ): Promise<{ token: string; record: TokenRecord }> {
    const token = newToken();
    const record: TokenRecord = {
      tenant,
      scopes,
      name,
      createdAt: new Date().toISOString(),
      ...(maxActiveJobs === undefined ? {} : { maxActiveJobs }),
    };
    await this.put(token, record);
    return { token, record };
  }
}
