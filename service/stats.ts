// Service-wide counters in Redis hashes, written by the job store's Lua scripts (jobs by
// status) and by workers (durations, lost events, BPF run time), read by the API's /metrics.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** Upper bounds (seconds) of the job duration histogram. */
export const DURATION_BUCKETS = [1, 5, 10, 30, 60, 300, 900, 3600] as const;

export function statsKey(keys: Keys, what: 'jobs' | 'work'): string {
  return `${keys.prefix}:stats:${what}`;
}

export interface ServiceStats {
  jobs: Record<string, number>;
  /** Non-cumulative counts per bucket upper bound. */
  durationBuckets: Record<string, number>;
  durationSum: number;
  durationCount: number;
  lostEvents: number;
  bpfRunNs: number;
}

export async function readStats(redis: Redis, keys: Keys): Promise<ServiceStats> {
  const [jobs, work] = await Promise.all([
    redis.hgetall(statsKey(keys, 'jobs')),
    redis.hgetall(statsKey(keys, 'work')),
  ]);
  const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
  const durationBuckets: Record<string, number> = {};
  for (const le of DURATION_BUCKETS) durationBuckets[String(le)] = num(work[`le:${le}`]);
  return {
    jobs: Object.fromEntries(Object.entries(jobs).map(([k, v]) => [k, Number(v)])),
    durationBuckets,
    durationSum: num(work['durationSum']),
    durationCount: num(work['durationCount']),
    lostEvents: num(work['lostEvents']),
    bpfRunNs: num(work['bpfRunNs']),
  };
}

/** Called by a worker when a job finishes. */
export async function recordJobWork(
  redis: Redis,
  keys: Keys,
  work: { seconds: number; lostEvents: number },
): Promise<void> {
  const key = statsKey(keys, 'work');
  const multi = redis.multi();
  const bucket = DURATION_BUCKETS.find((le) => work.seconds <= le);
  if (bucket !== undefined) multi.hincrby(key, `le:${bucket}`, 1);
  multi.hincrbyfloat(key, 'durationSum', work.seconds);
  multi.hincrby(key, 'durationCount', 1);
  if (work.lostEvents > 0) multi.hincrby(key, 'lostEvents', work.lostEvents);
  await multi.exec();
}

/** Called by a worker with the BPF run time its programs accumulated (bpf-run-time.ts). */
export async function recordBpfRunTime(redis: Redis, keys: Keys, ns: number): Promise<void> {
  await redis.hincrby(statsKey(keys, 'work'), 'bpfRunNs', Math.round(ns));
}
