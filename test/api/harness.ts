// What every API test file starts: its own redis-server (service/embedded-redis.ts) in a
// temp dir, a unique key prefix, the real express app with an admin token, and helpers to
// start workers. Nothing here fakes Redis or the kernel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app.js';
import { createApi, type Api } from '../../api/create-api.js';
import type { DryRunCompiler } from '../../api/dry-run.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';
import { startReaper } from '../../service/reaper.js';
import { startWorker, type WorkerHandle, type WorkerOptions } from '../../worker/service/worker.js';
import { OpenApiValidator } from './openapi-validator.js';

export const silent = pino({ level: 'silent' });

export interface Harness {
  redis: EmbeddedRedis;
  dir: string;
  prefix: string;
  api: Api;
  app: Express;
  admin: string;
  openapi: OpenApiValidator;
  workers: WorkerHandle[];
  /** Starts a worker in this process against the harness's Redis and prefix. */
  worker(options: Omit<WorkerOptions, 'redisUrl' | 'prefix'>): Promise<WorkerHandle>;
  /** Issues a token for a tenant through the API. */
  token(tenant: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  compiler?: DryRunCompiler;
  /** Run the lost-job reaper in the API with this stall threshold (ms). */
  reaperStallMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-api-test-'));
  const redis = await startEmbeddedRedis({ dataDir: dir, appendfsync: 'everysec' });
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const api = await createApi({
    redisUrl: redis.url,
    prefix,
    logger: silent,
    limits: { probesTimeoutMs: 3000, sseKeepAliveMs: 1000 },
    ...(options.compiler === undefined ? {} : { compiler: options.compiler }),
  });
  const admin = `admin-${randomBytes(8).toString('hex')}`;
  await api.ctx.tokens.bootstrapAdmin(admin);
  const reaper =
    options.reaperStallMs === undefined
      ? undefined
      : startReaper({
          redis: api.ctx.redis,
          keys: api.ctx.keys,
          intervalMs: Math.max(100, Math.floor(options.reaperStallMs / 2)),
          resultTtlSeconds: 3600,
        });
  const app = createApp(api.ctx);
  const workers: WorkerHandle[] = [];
  return {
    redis,
    dir,
    prefix,
    api,
    app,
    admin,
    openapi: new OpenApiValidator(),
    workers,
    async worker(o) {
      const w = await startWorker({
        ...o,
        redisUrl: redis.url,
        prefix,
        logger: o.logger ?? silent,
      });
      await w.ready();
      workers.push(w);
      return w;
    },
    async token(tenant) {
      const res = await request(app)
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${admin}`)
        .send({ tenant });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${res.text}`);
      return (res.body as { token: string }).token;
    },
    async close() {
      reaper?.stop();
      await Promise.all(workers.map((w) => w.close()));
      await api.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
