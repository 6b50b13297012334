// Builds the API's context from a Redis URL: the connections, stores, queues and metrics a
// running API needs, and a close() that releases them. `bpfq api`, `bpfq serve` and the API
// tests all start the API through here.
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { JobStore } from '../service/job-store.js';
import { keys as makeKeys } from '../service/keys.js';
import { TokenStore } from '../service/tokens.js';
import { DEFAULT_LIMITS, type ApiContext, type ApiLimits } from './context.js';
import { loadDryRunCompiler } from './compiler-adapter.js';
import type { DryRunCompiler } from './dry-run.js';
import { createMetrics } from './metrics.js';
import { QueueRegistry } from './queues.js';

export interface CreateApiOptions {
  redisUrl: string;
  /** Key prefix shared with the workers. Default `bpfq`. */
  prefix?: string;
  limits?: Partial<ApiLimits>;
  /** Default: pino at info to stdout. */
  logger?: Logger;
  /** Default: the real compiler with the real host, loaded on first use. */
  compiler?: DryRunCompiler;
}

export interface Api {
  ctx: ApiContext;
  close(): Promise<void>;
}

export async function createApi(options: CreateApiOptions): Promise<Api> {
  const logger = options.logger ?? pino({ name: 'bpfq-api' });
  // No offline queue: while Redis is down a command fails at once and the route answers 503
  // instead of hanging; ioredis keeps reconnecting in the background.
  const redis = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', (err) => logger.debug({ err }, 'redis connection error'));
  // An API started before Redis (containers start in any order) comes up anyway: it answers
  // 503 and /readyz says not ready until ioredis's retries get through.
  await redis.connect().catch((err: unknown) => logger.warn({ err }, 'Redis not reachable yet'));
  const keys = makeKeys(options.prefix ?? 'bpfq');
  const queues = new QueueRegistry(redis, keys.prefix);
  const ctx: ApiContext = {
    redis,
    keys,
    jobs: new JobStore(redis, keys),
    tokens: new TokenStore(redis, keys),
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
    },
  };
}
