// Runs one queued job on this worker: claim it (queued -> running), keep a lease alive while
// it runs, stream its output as events, store the result and the final status. Cancels and
// shutdowns abort the run through an AbortSignal; the run then detaches and returns what it
// collected, which is stored as a partial result.
import { existsSync } from 'node:fs';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { appendEvent } from '../../service/job-events.js';
import { JobStore, errorFields } from '../../service/job-store.js';
import type { JobErrorDetail, JobStatus } from '../../service/job.js';
import type { Keys } from '../../service/keys.js';
import { storeResult } from '../../service/result.js';
import { recordJobWork } from '../../service/stats.js';
import type { OutputRecord } from '../output/values.js';
import { OutputCollector, recordText } from './output-collector.js';
import { buildResult } from './result-document.js';
import { TraceFailure, type JobRunner, type TraceOutcome } from './job-runner.js';

export interface ProcessOptions {
  redis: Redis;
  keys: Keys;
  runner: JobRunner;
  logger: Logger;
  workerId: string;
  node: string;
  stallMs: number;
  resultTtlSeconds: number;
  maxResultBytes: number;
}

/** Why a run was aborted: a user's cancel, or this worker shutting down. */
export type AbortReason = 'cancel' | 'shutdown';

export interface RunningJobs {
  /** Aborts the job's run if it runs here. */
  abort(jobId: string, reason: AbortReason): void;
  abortAll(reason: AbortReason): void;
  readonly size: number;
}

export class JobProcessor implements RunningJobs {
  private readonly running = new Map<string, AbortController>();
  private readonly store: JobStore;

  constructor(private readonly o: ProcessOptions) {
    this.store = new JobStore(o.redis, o.keys);
  }

  get size(): number {
    return this.running.size;
  }

  abort(jobId: string, reason: AbortReason): void {
    this.running.get(jobId)?.abort(reason);
  }

  abortAll(reason: AbortReason): void {
    for (const controller of this.running.values()) controller.abort(reason);
  }

  private async event(jobId: string, status: JobStatus, error?: string): Promise<void> {
    await appendEvent(this.o.redis, this.o.keys, jobId, {
      event: 'status',
      data: { status, at: new Date().toISOString(), ...(error === undefined ? {} : { error }) },
    });
  }

  /** The BullMQ processor. */
  async process(bullJob: Job<{ id: string }>): Promise<void> {
    const { redis, keys, logger } = this.o;
    const id = bullJob.data.id;
    const record = await this.store.get(id);
    if (record === undefined || record.status !== 'queued') return; // cancelled, or expired

    // The lease exists before the status says running, so the reaper never sees a running job
    // without one.
    await redis.set(keys.lease(id), this.o.workerId, 'PX', this.o.stallMs);
    const claimed = await this.store.transition(id, ['queued'], 'running', {
      startedAt: new Date().toISOString(),
    });
    if (!claimed.changed) {
      await redis.del(keys.lease(id));
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    await this.event(id, 'running');

    // Keep the lease, and notice a cancel whose pub/sub message was missed.
    const beat = setInterval(
      () => {
        void (async () => {
          await redis.set(keys.lease(id), this.o.workerId, 'PX', this.o.stallMs);
          if ((await redis.hget(keys.job(id), 'cancelRequested')) === '1')
            controller.abort('cancel');
        })().catch(() => undefined);
      },
      Math.max(50, Math.floor(this.o.stallMs / 3)),
    );
    if ((await redis.hget(keys.job(id), 'cancelRequested')) === '1') controller.abort('cancel');

    // A streamed record is stored four times (text, NDJSON, the JSON records and printf
    // arrays), so a fifth of the cap keeps a flood from truncating the exit dump.
    const collector = new OutputCollector({
      streamBudgetBytes: Math.floor(this.o.maxResultBytes / 5),
      maxLiveEvents: 10_000,
    });
    const warnings = new Warnings();
    let liveChain: Promise<unknown> = Promise.resolve();
    let lostReported = 0;
    const started = Date.now();
    try {
      if (record.pid !== null && !existsSync(`/proc/${record.pid}`)) {
        throw new TraceFailure(
          { kind: 'pid' },
          `process ${record.pid} does not exist on node ${this.o.node}`,
          true,
        );
      }
      let outcome: TraceOutcome;
      try {
        outcome = await this.o.runner.run(
          {
            jobId: id,
            program: record.program,
            params: record.params,
            pid: record.pid,
            durationSeconds: record.durationSeconds,
          },
          {
            signal: controller.signal,
            onWarning: (text) => warnings.add(text),
            onAttached: (probes) => {
              const at = new Date().toISOString();
              liveChain = liveChain.then(() =>
                appendEvent(redis, keys, id, { event: 'attached', data: { probes, at } }).catch(
                  () => undefined,
                ),
              );
            },
            onOutput: (r) => {
              const live = collector.add(r);
              const text = live ? recordText(r) : undefined;
              if (text !== undefined) {
                liveChain = liveChain.then(() =>
                  appendEvent(redis, keys, id, { event: 'printf', data: { text } }).catch(
                    () => undefined,
                  ),
                );
              } else if (collector.dropped + collector.unpublished > lostReported + 999) {
                lostReported = collector.dropped + collector.unpublished;
                const events = lostReported;
                liveChain = liveChain.then(() =>
                  appendEvent(redis, keys, id, { event: 'lost', data: { events } }).catch(
                    () => undefined,
                  ),
                );
              }
            },
          },
        );
      } finally {
        await liveChain;
      }

      const reason = controller.signal.aborted
        ? (controller.signal.reason as AbortReason)
        : undefined;
      const status: JobStatus =
        reason === 'cancel' ? 'cancelled' : reason === 'shutdown' ? 'failed' : 'completed';
      const interrupted = reason !== undefined;
      const lostEvents = outcome.lostEvents + collector.dropped;
      await this.finish(id, status, {
        records: collector.finish(),
        attachedProbes: outcome.attachedProbes,
        ...(outcome.probes === undefined ? {} : { probes: outcome.probes }),
        lostEvents,
        elapsedMs: outcome.elapsedMs,
        warnings: warnings.list,
        interrupted,
        ...(reason === 'shutdown'
          ? { error: 'interrupted: the worker shut down', detail: { kind: 'interrupted' as const } }
          : reason === 'cancel'
            ? { error: 'cancelled while running' }
            : {}),
      });
      await recordJobWork(redis, keys, { seconds: (Date.now() - started) / 1000, lostEvents });
    } catch (err) {
      if (
        err instanceof TraceFailure &&
        (err.permanent || bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1))
      ) {
        await this.fail(id, err.message, err.detail, collector, warnings.list);
        throw new UnrecoverableError(err.message);
      }
      if (
        !(err instanceof TraceFailure) &&
        bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1)
      ) {
        logger.error({ err, jobId: id }, 'job failed');
        await this.fail(
          id,
          'internal error while running the job',
          { kind: 'internal' },
          collector,
          warnings.list,
        );
        throw err;
      }
      // Transient: give the job back to the queue; BullMQ retries it with backoff.
      logger.warn({ err, jobId: id }, 'job failed transiently; it will be retried');
      await this.store.transition(id, ['running'], 'queued', { startedAt: '' });
      await this.event(id, 'queued');
      throw err;
    } finally {
      clearInterval(beat);
      this.running.delete(id);
      await redis.del(keys.lease(id)).catch(() => undefined);
    }
  }

  private async fail(
    id: string,
    message: string,
    detail: JobErrorDetail,
    collector: OutputCollector,
    warnings: string[],
  ): Promise<void> {
    // A failure after attaching still has output worth keeping (printf before a crash).
    const records = collector.finish();
    await this.finish(id, 'failed', {
      records,
      attachedProbes: 0,
      lostEvents: collector.dropped,
      elapsedMs: 0,
      warnings,
      interrupted: false,
      error: message,
      detail,
      keepResult: records.length > 0 || detail.log !== undefined,
    });
  }

  private async finish(
    id: string,
    status: JobStatus,
    r: {
      records: OutputRecord[];
      attachedProbes: number;
      probes?: string[];
      lostEvents: number;
      elapsedMs: number;
      warnings: string[];
      interrupted: boolean;
      error?: string;
      detail?: JobErrorDetail;
      keepResult?: boolean;
    },
  ): Promise<void> {
    const { redis, keys } = this.o;
    const keep = r.keepResult ?? true;
    let truncated = false;
    if (keep) {
      const { stored, document } = buildResult({
        jobId: id,
        status,
        interrupted: r.interrupted,
        records: r.records,
        attachedProbes: r.attachedProbes,
        ...(r.probes === undefined ? {} : { probes: r.probes }),
        lostEvents: r.lostEvents,
        elapsedMs: r.elapsedMs,
        ...(r.detail?.log === undefined ? {} : { verifier: r.detail.log }),
        maxBytes: this.o.maxResultBytes,
      });
      truncated = document.truncated;
      await storeResult(redis, keys, id, stored, this.o.resultTtlSeconds);
    }
    const { changed } = await this.store.transition(id, ['running'], status, {
      finishedAt: new Date().toISOString(),
      hasResult: keep ? '1' : '0',
      warnings: JSON.stringify(r.warnings),
      ...(r.error === undefined ? {} : errorFields(r.error, r.detail ?? { kind: 'internal' })),
    });
    if (!changed) {
      // The reaper declared this worker lost meanwhile (its lease lapsed, e.g. while Redis was
      // away): the status stays failed, but what the run collected is still offered.
      if (keep) await this.store.update(id, { hasResult: '1' });
      return;
    }
    if (keep) {
      await appendEvent(redis, keys, id, {
        event: 'result',
        data: { status, truncated, interrupted: r.interrupted },
      });
    }
    await this.event(id, status, r.error);
    await this.store.expireFinished(id, this.o.resultTtlSeconds);
  }
}

/**
 * A job's warnings, bounded: a program that hits the same failing cat() a million times must
 * not grow the job record without end. Repeats of one message are kept once.
 */
class Warnings {
  static readonly MAX = 64;
  static readonly MAX_CHARS = 4096;
  private readonly seen = new Set<string>();
  private readonly kept: string[] = [];
  private over = 0;

  add(text: string): void {
    const t = text.length > Warnings.MAX_CHARS ? `${text.slice(0, Warnings.MAX_CHARS)}...` : text;
    if (this.seen.has(t)) return;
    if (this.kept.length >= Warnings.MAX - 1) {
      this.over++;
      return;
    }
    this.seen.add(t);
    this.kept.push(t);
  }

  get list(): string[] {
    return this.over === 0 ? [...this.kept] : [...this.kept, `... and ${this.over} more`];
  }
}
