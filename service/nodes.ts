// Live workers, from their heartbeats. A worker writes its document with a TTL of three
// heartbeat periods and bumps its score in one sorted set; a node is live while any of its
// workers' scores is recent. Nothing needs to be cleaned up after a crash: it just ages out.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export interface WorkerHeartbeat {
  node: string;
  workerId: string;
  pid: number;
  kernel: string;
  /** What this kernel offers, probed by the worker at start. */
  features: Record<string, boolean>;
  concurrency: number;
  running: number;
  startedAt: string;
  lastHeartbeat: string;
}

export interface NodeInfo {
  name: string;
  kernel: string;
  features: Record<string, boolean>;
  workers: number;
  concurrency: number;
  running: number;
  lastHeartbeat: string;
}

export async function writeHeartbeat(
  redis: Redis,
  keys: Keys,
  beat: WorkerHeartbeat,
  heartbeatMs: number,
): Promise<void> {
  const ttl = heartbeatMs * 3;
  await redis
    .multi()
    .set(keys.worker(beat.node, beat.workerId), JSON.stringify(beat), 'PX', ttl)
    .zadd(keys.workers, Date.now(), `${beat.node}/${beat.workerId}`)
    .exec();
}

export async function removeHeartbeat(
  redis: Redis,
  keys: Keys,
  node: string,
  workerId: string,
): Promise<void> {
  await redis
    .multi()
    .del(keys.worker(node, workerId))
    .zrem(keys.workers, `${node}/${workerId}`)
    .exec();
}

/** Live workers grouped by node, sorted by name. */
export async function liveNodes(redis: Redis, keys: Keys): Promise<NodeInfo[]> {
  // Entries older than a day are certainly dead: trim them so the set cannot grow forever.
  await redis.zremrangebyscore(keys.workers, '-inf', String(Date.now() - 24 * 3600 * 1000));
  const members = await redis.zrange(keys.workers, '0', '-1');
  if (members.length === 0) return [];
  const docs = await redis.mget(
    members.map((m) => {
      const slash = m.indexOf('/');
      return keys.worker(m.slice(0, slash), m.slice(slash + 1));
    }),
  );
  const byNode = new Map<string, NodeInfo>();
  for (const doc of docs) {
    if (doc === null) continue; // expired: the worker stopped beating
    const beat = JSON.parse(doc) as WorkerHeartbeat;
    const node = byNode.get(beat.node);
    if (node === undefined) {
      byNode.set(beat.node, {
        name: beat.node,
        kernel: beat.kernel,
        features: beat.features,
        workers: 1,
        concurrency: beat.concurrency,
        running: beat.running,
        lastHeartbeat: beat.lastHeartbeat,
      });
    } else {
      node.workers += 1;
      node.concurrency += beat.concurrency;
      node.running += beat.running;
      if (beat.lastHeartbeat > node.lastHeartbeat) node.lastHeartbeat = beat.lastHeartbeat;
    }
  }
  return [...byNode.values()].sort((a, b) => a.name.localeCompare(b.name));
}
