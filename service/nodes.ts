// Live workers, from their heartbeats. A worker writes its document with a TTL of three
// heartbeat periods and bumps its score in one sorted set; a node is live while any of its
// workers' documents exists. The scores outlive the documents (a day): they say when a node
// was last seen, which the reaper needs to give up on a node that never came back.
// Nothing needs to be cleaned up after a crash: it just ages out.
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
  /** The worker's host view (host-view.ts); absent from workers older than the field. */
  view?: string;
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

/**
 * A worker leaving on purpose: it stops being live at once. Its score stays, as a crashed
 * worker's does, so the node's last heartbeat is still known (see nodeLastSeen).
 */
export async function removeHeartbeat(
  redis: Redis,
  keys: Keys,
  node: string,
  workerId: string,
): Promise<void> {
  await redis.del(keys.worker(node, workerId));
}

/** Heartbeat scores older than this are dropped: such a worker is certainly gone. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

export interface NodeSeen {
  name: string;
  /** The newest heartbeat of any of its workers (ms since the epoch). */
  lastHeartbeatMs: number;
  /** Some worker of the node has a heartbeat document that has not expired. */
  live: boolean;
}

/** Every node with a heartbeat in the last day, live or not, sorted by name. */
export async function nodeLastSeen(redis: Redis, keys: Keys): Promise<NodeSeen[]> {
  await redis.zremrangebyscore(keys.workers, '-inf', String(Date.now() - FORGET_AFTER_MS));
  const flat = await redis.zrange(keys.workers, '0', '-1', 'WITHSCORES');
  if (flat.length === 0) return [];
  const members: { node: string; workerId: string; score: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const m = flat[i]!;
    const slash = m.indexOf('/');
    members.push({
      node: m.slice(0, slash),
      workerId: m.slice(slash + 1),
      score: Number(flat[i + 1]),
    });
  }
  const docs = await redis.mget(members.map((m) => keys.worker(m.node, m.workerId)));
  const byNode = new Map<string, NodeSeen>();
  members.forEach((m, i) => {
    const seen = byNode.get(m.node) ?? { name: m.node, lastHeartbeatMs: 0, live: false };
    seen.lastHeartbeatMs = Math.max(seen.lastHeartbeatMs, m.score);
    if (docs[i] !== null) seen.live = true;
    byNode.set(m.node, seen);
  });
  return [...byNode.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A live node as the service sees it: what /v1/nodes shows, and its workers' host views. */
export interface LiveNode extends NodeInfo {
  views: string[];
}

/** What /v1/nodes shows of a node (openapi.yaml, Node). */
export function nodeInfo(node: LiveNode): NodeInfo {
  const { views, ...info } = node;
  void views;
  return info;
}

/** Live workers grouped by node, sorted by name. */
export async function liveNodes(redis: Redis, keys: Keys): Promise<LiveNode[]> {
  // Entries older than a day are certainly dead: trim them so the set cannot grow forever.
  await redis.zremrangebyscore(keys.workers, '-inf', String(Date.now() - FORGET_AFTER_MS));
  const members = await redis.zrange(keys.workers, '0', '-1');
  if (members.length === 0) return [];
  const docs = await redis.mget(
    members.map((m) => {
      const slash = m.indexOf('/');
      return keys.worker(m.slice(0, slash), m.slice(slash + 1));
    }),
  );
  const byNode = new Map<string, LiveNode>();
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
        views: beat.view === undefined ? [] : [beat.view],
      });
    } else {
      node.workers += 1;
      node.concurrency += beat.concurrency;
      node.running += beat.running;
      if (beat.view !== undefined && !node.views.includes(beat.view)) node.views.push(beat.view);
      if (beat.lastHeartbeat > node.lastHeartbeat) node.lastHeartbeat = beat.lastHeartbeat;
    }
  }
  return [...byNode.values()].sort((a, b) => a.name.localeCompare(b.name));
}
