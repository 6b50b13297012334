// What every route needs, built once by createApi() and passed to createApp(): tests build
// it against their own Redis and prefix.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobStore } from '../service/job-store.js';
import type { Keys } from '../service/keys.js';
import type { TokenStore } from '../service/tokens.js';
import type { DryRunCompiler } from './dry-run.js';
import type { ApiMetrics } from './metrics.js';
import type { QueueRegistry } from './queues.js';

export interface ApiLimits {
  /** Largest program in UTF-8 bytes; larger answers 413. Default 64 KiB. */
  maxProgramBytes: number;
  /** Largest request body; body-parser answers 413 beyond it. Default 1 MiB (JSON escapes inflate). */
  maxBodyBytes: number;
  /** How long GET /v1/probes waits for a worker's answer. Default 10 s. */
  probesTimeoutMs: number;
  /** SSE keep-alive comment period. Default 15 s. */
  sseKeepAliveMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  maxProgramBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  probesTimeoutMs: 10_000,
  sseKeepAliveMs: 15_000,
};

export interface ApiContext {
  /** Commands fail at once while Redis is down (no offline queue), so routes answer 503. */
  redis: Redis;
  keys: Keys;
  jobs: JobStore;
  tokens: TokenStore;
  queues: QueueRegistry;
  metrics: ApiMetrics;
  compiler: DryRunCompiler;
  limits: ApiLimits;
  logger: Logger;
}
