// Prometheus metrics. Counts that workers produce (job durations, lost events, BPF run time)
// live in Redis hashes (service/stats.ts) so any API replica reports the same numbers; they
// are read at scrape time. Each app gets its own registry so tests can build several apps.
import { Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Redis } from 'ioredis';
import { JOB_STATUSES } from '../service/job.js';
import type { Keys } from '../service/keys.js';
import { DURATION_BUCKETS, readStats } from '../service/stats.js';
import type { QueueRegistry } from './queues.js';
import { liveNodes } from '../service/nodes.js';

export interface ApiMetrics {
  registry: Registry;
}

interface MetricValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A metric whose values come from Redis at scrape time, in prom-client's collector shape. */
class RedisBackedMetric {
  readonly aggregator = 'first';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: () => Promise<MetricValue[]>,
  ) {}
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: MetricValue[];
    aggregator: string;
  }> {
    let values: MetricValue[] = [];
    try {
      values = await this.read();
    } catch {
      // Redis down: report nothing rather than fail the whole scrape.
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}

export function createMetrics(redis: Redis, keys: Keys, queues: QueueRegistry): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bpfq_api_' });

  const add = (m: RedisBackedMetric): void => registry.registerMetric(m as unknown as Metric);

  add(
    new RedisBackedMetric(
      'bpfq_jobs',
      'Jobs by status (terminal counts since the store was created).',
      'gauge',
      async () => {
        const stats = await readStats(redis, keys);
        return JOB_STATUSES.map((status) => ({
          labels: { status },
          value: stats.jobs[status] ?? 0,
        }));
      },
    ),
  );
  new Gauge({
    name: 'bpfq_queue_depth',
    help: 'Jobs waiting in each live node queue.',
    labelNames: ['node'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const nodes = new Set([
          ...queues.nodes(),
          ...(await liveNodes(redis, keys)).map((n) => n.name),
        ]);
        for (const node of nodes) {
          this.set({ node }, await queues.get(node).getWaitingCount());
        }
      } catch {
        // Redis down
      }
    },
  });
  add(
    new RedisBackedMetric(
      'bpfq_job_duration_seconds',
      'Wall time of finished jobs, from start to result stored.',
      'histogram',
      async () => {
        const stats = await readStats(redis, keys);
        const values: MetricValue[] = [];
        let cumulative = 0;
        for (const le of DURATION_BUCKETS) {
          cumulative += stats.durationBuckets[String(le)] ?? 0;
          values.push({
            metricName: 'bpfq_job_duration_seconds_bucket',
            labels: { le },
            value: cumulative,
          });
        }
        values.push({
          metricName: 'bpfq_job_duration_seconds_bucket',
          labels: { le: '+Inf' },
          value: stats.durationCount,
        });
        values.push({
          metricName: 'bpfq_job_duration_seconds_sum',
          labels: {},
          value: stats.durationSum,
        });
        values.push({
          metricName: 'bpfq_job_duration_seconds_count',
          labels: {},
          value: stats.durationCount,
        });
        return values;
      },
    ),
  );
  add(
    new RedisBackedMetric(
      'bpfq_events_lost',
      'Output events lost (perf buffer overruns and printf floods).',
      'counter',
      async () => [{ labels: {}, value: (await readStats(redis, keys)).lostEvents }],
    ),
  );
  add(
    new RedisBackedMetric(
      'bpfq_bpf_run_seconds',
      'Time the kernel spent running bpfq programs (bpf_stats run_time_ns).',
      'counter',
      async () => [{ labels: {}, value: (await readStats(redis, keys)).bpfRunNs / 1e9 }],
    ),
  );
  return { registry };
}
