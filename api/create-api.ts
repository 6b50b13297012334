// Builds the API's context from a Redis URL: the connections, stores, queues and metrics a
// running API needs, and a close() that releases them. `bpfq api`, `bpfq serve` and the API
// tests all start the API through here.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobStore } from '../service/job-store.js';
import { keys as makeKeys } from '../service/keys.js';
import { TokenStore, type TokenStoreOptions } from '../service/tokens.js';
import { DEFAULT_LIMITS, type ApiContext, type ApiLimits } from './context.js';
import { loadDryRunCompiler } from './compiler-adapter.js';
import type { DryRunCompiler } from './dry-run.js';
import { apiLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { QueueRegistry } from './queues.js';

export interface CreateApiOptions {
  redisUrl: string;
  /** Key prefix shared with the workers. Default `bpfq`. */
  prefix?: string;
  limits?: Partial<ApiLimits>;
  /** Default: pino at info to stdout, asynchronously (api/logger.ts). */
  logger?: Logger;
  /** Default: the real compiler with the real host, loaded on first use. */
  compiler?: DryRunCompiler;
  /** The bearer-token cache: see service/tokens.ts. Default 5 s, 10,000 tokens. */
  tokenCache?: Omit<TokenStoreOptions, 'reads'>;
}

export interface Api {
  ctx: ApiContext;
  close(): Promise<void>;
}

export async function createApi(options: CreateApiOptions): Promise<Api> {
  const logger = options.logger ?? apiLogger();
  // No offline queue: while Redis is down a command fails at once and the route answers 503
  // instead of hanging; ioredis keeps reconnecting in the background.
  const connection = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
  const redis = new Redis(options.redisUrl, connection);
  // Job and token reads (every GET) use a second connection with ioredis auto-pipelining: the
  // reads of all requests handled in one event-loop turn leave in one write, and their replies
  // come back in one read. Only plain reads go there; BullMQ, the Lua status changes and
  // pub/sub stay on `redis` (BullMQ is known to misbehave on auto-pipelined connections).
  const reads = new Redis(options.redisUrl, { ...connection, enableAutoPipelining: true });
  for (const c of [redis, reads]) {
    c.on('error', (err) => logger.debug({ err }, 'redis connection error'));
  }
  // An API started before Redis (containers start in any order) comes up anyway: it answers
  // 503 and /readyz says not ready until ioredis's retries get through.
  await Promise.all([
    redis.connect().catch((err: unknown) => logger.warn({ err }, 'Redis not reachable yet')),
    reads.connect().catch(() => undefined), // the same failure, logged once above
  ]);
  const keys = makeKeys(options.prefix ?? 'bpfq');
  const queues = new QueueRegistry(redis, keys.prefix);
  const ctx: ApiContext = {
    redis,
    keys,
    jobs: new JobStore(redis, keys, { reads }),
    tokens: new TokenStore(redis, keys, { ...options.tokenCache, reads }),
    queues,
    metrics: createMetrics(redis, keys, queues),
    compiler: options.compiler ?? loadDryRunCompiler(),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    logger,
  };
  return {
    ctx,
    async close() {
      await queues.close();
      redis.disconnect();
      reads.disconnect();
      // The default logger writes asynchronously: let its last lines out.
      if (options.logger === undefined) await new Promise<void>((r) => logger.flush(() => r()));
    },
  };
}
