// Compiles jobs on a worker thread. Compiling is pure CPU work, and a program that expands to
// hundreds of probes (`tracepoint:syscalls:sys_*`: 720 programs, about half a second cold on a
// 2-core machine) would otherwise hold the worker's event loop that long in one piece, while
// its job leases, BullMQ locks and heartbeat wait. The artifact is plain JSON (the compiler's
// contract), so it crosses to the main thread by structured clone. One thread serves every
// job of the worker, one compile at a time, as the main thread did before.
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { JobErrorDetail } from '../../service/job.js';
import type { CompiledJob } from './compile-job.js';
import { TraceFailure, type TraceRequest } from './job-runner.js';

export interface CompileRequestMessage {
  seq: number;
  request: TraceRequest;
}

export type CompileReply =
  | { seq: number; compiled: CompiledJob }
  | { seq: number; failure: { detail: JobErrorDetail; message: string; permanent: boolean } }
  | { seq: number; error: string };

interface Pending {
  resolve(compiled: CompiledJob): void;
  reject(err: unknown): void;
}

export class CompileThread {
  private thread: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  /** compileJob() on the thread: resolves as it returns, rejects as it throws. */
  compile(request: TraceRequest): Promise<CompiledJob> {
    const thread = this.start();
    const seq = ++this.seq;
    return new Promise<CompiledJob>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      thread.ref(); // a compile in flight keeps the process alive until it answers
      thread.postMessage({ seq, request } satisfies CompileRequestMessage);
    });
  }

  /** Stops the thread; compiles in flight reject. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    if (thread !== undefined) await thread.terminate();
  }

  private start(): Worker {
    if (this.thread !== undefined) return this.thread;
    // SHARE_ENV: the compiler reads BPFTRACE_* settings from the environment, as in-process.
    const thread = new Worker(new URL('./compile-thread-main.js', import.meta.url), {
      env: SHARE_ENV,
    });
    thread.unref(); // an idle compile thread never keeps the worker process alive
    thread.on('message', (reply: CompileReply) => {
      const waiter = this.pending.get(reply.seq);
      if (waiter === undefined) return;
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) thread.unref();
      if ('compiled' in reply) waiter.resolve(reply.compiled);
      else if ('failure' in reply) {
        const f = reply.failure;
        waiter.reject(new TraceFailure(f.detail, f.message, f.permanent));
      } else {
        // As in-process: an exception out of the compiler is a bug that every retry repeats.
        waiter.reject(new TraceFailure({ kind: 'internal' }, reply.error, true));
      }
    });
    const lost = (why: string): void => {
      if (this.thread === thread) this.thread = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      // The thread itself failed (out of memory, killed): not the program's fault, so the job
      // is retried on a new thread.
      for (const w of waiting) w.reject(new Error(`the compile thread stopped: ${why}`));
    };
    thread.on('error', (err) => lost(err.message));
    thread.on('exit', (code) => lost(`exit code ${code}`));
    this.thread = thread;
    return thread;
  }
}
