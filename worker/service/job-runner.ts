// What the job processor needs from "run this program": the seam between the queueing side
// of the worker (process-job.ts) and the tracing side (kernel-runner.ts: compile, load,
// attach, poll, detach). Failures are sorted into kinds here so that the processor can
// decide between "fail for good" and "retry".
import type { JobErrorDetail } from '../../service/job.js';
import type { OutputRecord } from '../output/values.js';
import type { SessionEnd } from '../runtime/session.js';

export interface TraceRequest {
  jobId: string;
  program: string;
  params: string[];
  pid: number | null;
  durationSeconds: number;
}

export interface TraceHooks {
  /** Aborted on cancel or worker shutdown; the run then detaches and returns what it has. */
  signal: AbortSignal;
  /** Every output record as it happens, in order. */
  onOutput(record: OutputRecord): void;
  /** Every probe is attached: what the job traces is now being traced. */
  onAttached(probes: number): void;
  /**
   * What bpftrace would print on stderr: compiler warnings, a `cat()` that could not read
   * its file, kernel symbols hidden from the worker. They become the job's `warnings`.
   */
  onWarning(text: string): void;
}

export interface TraceOutcome {
  end: SessionEnd;
  attachedProbes: number;
  /** The attach points, expanded (`tracepoint:syscalls:sys_enter_read`, `BEGIN`, ...). */
  probes?: string[];
  lostEvents: number;
  elapsedMs: number;
}

/**
 * A run that failed. `permanent` failures (the program, the kernel's verdict, a missing
 * feature, a missing process) fail the job at once; the others are retried by BullMQ.
 */
export class TraceFailure extends Error {
  constructor(
    readonly detail: JobErrorDetail,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'TraceFailure';
  }
}

export interface JobRunner {
  run(request: TraceRequest, hooks: TraceHooks): Promise<TraceOutcome>;
  /** `bpftrace -l PATTERN` on this node. */
  listProbes(search: string): Promise<string[]>;
  /** Releases what the runner holds (the kernel runner's compile thread). Optional. */
  close?(): Promise<void>;
}
