// Finds running jobs whose worker died (killed -9, machine gone): their lease expired
// because no live worker refreshed it. Such a job fails with "worker lost". BullMQ's own
// stall check would only notice when a worker of that node runs again, so the API runs this
// too. The kernel already freed the dead worker's BPF objects when its fds closed.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { appendEvent } from './job-events.js';
import { JobStore, errorFields } from './job-store.js';
import type { Keys } from './keys.js';

export interface ReaperOptions {
  redis: Redis;
  keys: Keys;
  /** How often to look; a lost job is failed within stallMs + intervalMs. */
  intervalMs: number;
  resultTtlSeconds: number;
  logger?: Logger;
}

/** One pass; returns the ids failed. */
export async function reapLostJobs(o: Omit<ReaperOptions, 'intervalMs'>): Promise<string[]> {
  const store = new JobStore(o.redis, o.keys);
  const reaped: string[] = [];
  for (const id of await store.runningIds()) {
    if ((await o.redis.exists(o.keys.lease(id))) === 1) continue;
    const job = await store.get(id);
    if (job === undefined) {
      await o.redis.srem(o.keys.running, id);
      continue;
    }
    const at = new Date().toISOString();
    const { changed } = await store.transition(id, ['running'], 'failed', {
      finishedAt: at,
      ...errorFields('worker lost', { kind: 'worker-lost' }),
    });
    if (!changed) continue;
    await appendEvent(o.redis, o.keys, id, {
      event: 'status',
      data: { status: 'failed', at, error: 'worker lost' },
    });
    await store.expireFinished(id, o.resultTtlSeconds);
    o.logger?.warn({ jobId: id }, 'job failed: worker lost');
    reaped.push(id);
  }
  return reaped;
}

export function startReaper(o: ReaperOptions): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    reapLostJobs(o)
      .catch(() => undefined) // Redis down: try again next time
      .finally(() => {
        busy = false;
      });
  }, o.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
