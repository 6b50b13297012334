// Bearer tokens. Only a SHA-256 of each token is stored (a leaked Redis dump yields no usable
// token); tokens are 32 random bytes, so a fast hash is enough, no password-style KDF needed.
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

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return `bpfq_${randomBytes(32).toString('base64url')}`;
}

export class TokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async lookup(token: string): Promise<TokenRecord | undefined> {
    const raw = await this.redis.hget(this.keys.tokens, hashToken(token));
    return raw === null ? undefined : (JSON.parse(raw) as TokenRecord);
  }

  async put(token: string, record: TokenRecord): Promise<void> {
    await this.redis.hset(this.keys.tokens, hashToken(token), JSON.stringify(record));
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
