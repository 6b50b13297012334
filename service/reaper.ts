// Fails jobs that nothing will ever finish. Two cases:
//
// - A running job whose worker died (killed -9, machine gone): its lease expired because no
//   live worker refreshed it. It fails "worker lost". BullMQ's own stall check would only
//   notice when a worker of that node runs again, so the API runs this too. The kernel
//   already freed the dead worker's BPF objects when its fds closed.
// - Queued jobs of a node that has had no live worker for BPFQ_NODE_LOST_AFTER (default 5
//   minutes): the node was decommissioned, renamed or is down for good, and its queue would
//   hold them forever. They fail "node NODE lost: no worker heartbeat since TIME" and leave
//   the BullMQ queue, so a worker that comes back much later does not run stale traces. A
//   worker restart or a short outage stays well inside the grace period.
import { Queue, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { nodeLostAfterSeconds } from './config.js';
import { appendEvent } from './job-events.js';
import { JobStore, errorFields } from './job-store.js';
import { queueName, type Keys } from './keys.js';
import { nodeLastSeen } from './nodes.js';

export interface ReaperOptions {
  redis: Redis;
  keys: Keys;
  /** How often to look; a lost job is failed within stallMs + intervalMs. */
  intervalMs: number;
  resultTtlSeconds: number;
  /**
   * Queued jobs of a node without a live worker heartbeat for this long fail "node lost".
   * Default: BPFQ_NODE_LOST_AFTER seconds (300 when unset).
   */
  nodeLostAfterMs?: number;
  logger?: Logger;
}

/** One pass over running jobs; returns the ids failed "worker lost". */
export async function reapLostJobs(
  o: Omit<ReaperOptions, 'intervalMs' | 'nodeLostAfterMs'>,
): Promise<string[]> {
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

/** BullMQ states a job can sit in before a worker runs it (and `active`: see below). */
const WAITING_STATES: JobType[] = ['waiting', 'delayed', 'prioritized', 'active'];
/** Jobs looked at per node and pass; the rest wait for the next pass. */
const PAGE = 500;

export interface NodeReapOptions extends Omit<ReaperOptions, 'intervalMs' | 'nodeLostAfterMs'> {
  nodeLostAfterMs: number;
  /** BullMQ queue handles by node; a pass opens what it needs. */
  queues?: Map<string, Queue>;
}

/** One pass over nodes without a live worker; returns the ids failed "node lost". */
export async function reapLostNodes(o: NodeReapOptions): Promise<string[]> {
  const store = new JobStore(o.redis, o.keys);
  const queues = o.queues ?? new Map<string, Queue>();
  const reaped: string[] = [];
  const now = Date.now();
  try {
    for (const node of await nodeLastSeen(o.redis, o.keys)) {
      if (node.live || now - node.lastHeartbeatMs < o.nodeLostAfterMs) continue;
      let queue = queues.get(node.name);
      if (queue === undefined) {
        queue = new Queue(queueName(node.name), { connection: o.redis, prefix: o.keys.prefix });
        queue.on('error', () => undefined); // surfaced by the commands that fail
        queues.set(node.name, queue);
      }
      const since = new Date(node.lastHeartbeatMs).toISOString();
      const reason = `node ${node.name} lost: no worker heartbeat since ${since}`;
      // `active` too: a worker that took a job and died before claiming it left it active
      // with a lock that expired long ago; the record still says queued.
      for (const bullJob of await queue.getJobs(WAITING_STATES, 0, PAGE - 1)) {
        const id = (bullJob.data as { id?: string } | undefined)?.id ?? bullJob.id;
        if (id === undefined) continue;
        const at = new Date().toISOString();
        // The status decides: a worker that took the job meanwhile finds it failed and skips
        // it, and a job a worker already claimed (running) is the lease check's business.
        const { changed, before } = await store.transition(id, ['queued'], 'failed', {
          finishedAt: at,
          ...errorFields(reason, { kind: 'worker-lost' }),
        });
        // Out of the queue unless a worker claimed it: failed, cancelled, finished or expired
        // jobs have nothing left to run.
        if (before !== 'running' && bullJob.id !== undefined)
          await queue.remove(bullJob.id).catch(() => 0);
        if (!changed) continue;
        await appendEvent(o.redis, o.keys, id, {
          event: 'status',
          data: { status: 'failed', at, error: reason },
        });
        await store.expireFinished(id, o.resultTtlSeconds);
        o.logger?.warn({ jobId: id, node: node.name, since }, 'queued job failed: node lost');
        reaped.push(id);
      }
    }
  } finally {
    if (o.queues === undefined) await Promise.all([...queues.values()].map((q) => q.close()));
  }
  return reaped;
}

export function startReaper(o: ReaperOptions): { stop(): void } {
  const nodeLostAfterMs = o.nodeLostAfterMs ?? nodeLostAfterSeconds() * 1000;
  const queues = new Map<string, Queue>();
  let busy: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (busy !== undefined) return;
    busy = (async () => {
      await reapLostJobs(o);
      await reapLostNodes({ ...o, nodeLostAfterMs, queues });
    })()
      .catch(() => undefined) // Redis down: try again next time
      .finally(() => {
        busy = undefined;
      });
  }, o.intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      // The queue handles share the caller's connection: closing them sends nothing.
      const open = [...queues.values()];
      queues.clear();
      void (busy ?? Promise.resolve()).then(() =>
        Promise.all(open.map((q) => q.close().catch(() => undefined))),
      );
    },
  };
}
