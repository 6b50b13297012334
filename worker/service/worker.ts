// The job service's worker: consumes its node's BullMQ queue, announces itself with
// heartbeats, answers probe-list requests for its node, and stops running jobs on cancel.
// close() is the SIGTERM path: stop taking jobs, abort the running ones (they detach and
// store partial results marked interrupted), then leave.
import { randomUUID } from 'node:crypto';
import { release } from 'node:os';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { keys as makeKeys, queueName } from '../../service/keys.js';
import { hostView } from '../../service/host-view.js';
import { removeHeartbeat, writeHeartbeat, type WorkerHeartbeat } from '../../service/nodes.js';
import { startReaper } from '../../service/reaper.js';
import { recordBpfRunTime } from '../../service/stats.js';
import { bpfRunTime } from './bpf-run-time.js';
import { kernelFeatures } from './features.js';
import type { JobRunner } from './job-runner.js';
import { JobProcessor } from './process-job.js';

export interface WorkerOptions {
  redisUrl: string;
  /** Key prefix shared with the API. Default `bpfq`. */
  prefix?: string;
  /** This node's name (BPFQ_NODE). */
  node: string;
  runner: JobRunner;
  /** Jobs run at once (BPFQ_WORKER_CONCURRENCY). Default 8. */
  concurrency?: number;
  /** A running job whose lease is older than this fails "worker lost" (BPFQ_STALL_MS). Default 30 s. */
  stallMs?: number;
  /** Heartbeat period (BPFQ_HEARTBEAT_MS). Default 5 s. */
  heartbeatMs?: number;
  /** Result and record TTL (BPFQ_RESULT_TTL). Default 7 days. */
  resultTtlSeconds?: number;
  /** Result size cap (BPFQ_MAX_RESULT_BYTES). Default 16 MiB. */
  maxResultBytes?: number;
  /** Default: pino at info. */
  logger?: Logger;
}

export interface WorkerHandle {
  readonly workerId: string;
  readonly node: string;
  /** Running jobs. */
  readonly running: number;
  /** Resolves once BullMQ's worker is connected and taking jobs. */
  ready(): Promise<void>;
  /** Stops taking jobs, interrupts running ones (partial results kept), disconnects. */
  close(): Promise<void>;
}

/** How long close() waits for running jobs to store their partial results. */
const CLOSE_TIMEOUT_MS = 15_000;

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const logger = options.logger ?? pino({ name: 'bpfq-worker' });
  const keys = makeKeys(options.prefix ?? 'bpfq');
  const workerId = randomUUID();
  const stallMs = options.stallMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const concurrency = options.concurrency ?? 8;
  const resultTtlSeconds = options.resultTtlSeconds ?? 7 * 24 * 3600;

  // BullMQ's worker needs maxRetriesPerRequest null (its blocking commands must outlive a
  // reconnect); our own commands share that behaviour and wait through a Redis restart.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (err) => logger.debug({ err }, 'redis connection error'));
  subscriber.on('error', (err) => logger.debug({ err }, 'redis subscriber error'));

  const processor = new JobProcessor({
    redis: connection,
    keys,
    runner: options.runner,
    logger,
    workerId,
    node: options.node,
    stallMs,
    resultTtlSeconds,
    maxResultBytes: options.maxResultBytes ?? 16 * 1024 * 1024,
  });

  await subscriber.subscribe(keys.cancelChannel, keys.probesChannel(options.node));
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === keys.cancelChannel) {
      processor.abort(message, 'cancel');
      return;
    }
    void answerProbes(message);
  });

  async function answerProbes(message: string): Promise<void> {
    let request: { requestId: string; search: string };
    try {
      request = JSON.parse(message) as { requestId: string; search: string };
    } catch {
      return;
    }
    let reply: { probes?: string[]; error?: string };
    try {
      reply = { probes: await options.runner.listProbes(request.search) };
    } catch (err) {
      reply = { error: err instanceof Error ? err.message : String(err) };
    }
    await connection
      .publish(keys.replyChannel(request.requestId), JSON.stringify(reply))
      .catch(() => 0);
  }

  const worker = new Worker<{ id: string }>(
    queueName(options.node),
    (job) => processor.process(job),
    {
      connection,
      prefix: keys.prefix,
      concurrency,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      // A job that stalled ran on a worker that died: it fails ("worker lost"), never re-runs.
      maxStalledCount: 0,
    },
  );
  worker.on('error', (err) => logger.debug({ err }, 'bullmq worker error'));
  worker.on('failed', (job, err) =>
    logger.info({ jobId: job?.data.id, err: err.message }, 'job failed'),
  );

  const startedAt = new Date().toISOString();
  const features = kernelFeatures();
  const view = hostView();
  const beat = async (): Promise<void> => {
    const doc: WorkerHeartbeat = {
      node: options.node,
      workerId,
      pid: process.pid,
      kernel: release(),
      features,
      concurrency,
      running: processor.size,
      startedAt,
      lastHeartbeat: new Date().toISOString(),
      ...(view === undefined ? {} : { view }),
    };
    await writeHeartbeat(connection, keys, doc, heartbeatMs);
    bpfRunTime.sample();
    const ns = bpfRunTime.take();
    if (ns > 0) await recordBpfRunTime(connection, keys, ns);
  };
  await beat();
  const heartbeat = setInterval(() => void beat().catch(() => undefined), heartbeatMs);
  const reaper = startReaper({
    redis: connection,
    keys,
    intervalMs: Math.max(100, Math.floor(stallMs / 2)),
    resultTtlSeconds,
    logger,
  });

  let closing: Promise<void> | undefined;
  return {
    workerId,
    node: options.node,
    get running() {
      return processor.size;
    },
    ready: () => worker.waitUntilReady().then(() => undefined),
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        reaper.stop();
        const closed = worker.close(); // stops fetching; resolves when running jobs end
        processor.abortAll('shutdown');
        // With Redis gone, BullMQ and our writes would wait for it forever: bound the wait
        // (the aborted runs have detached by then either way).
        await withTimeout(closed, CLOSE_TIMEOUT_MS);
        await withTimeout(
          removeHeartbeat(connection, keys, options.node, workerId).catch(() => undefined),
          2000,
        );
        await options.runner.close?.().catch(() => undefined);
        subscriber.disconnect();
        connection.disconnect();
      })();
      return closing;
    },
  };
}
