// The contract of one tracing session: what `bpfq run` and the job service's worker hand to
// runSession(), and what they get back. The lifecycle itself is in run-session.ts.
import type { Artifact } from '../../compiler/artifact.js';
import type { OutputRecord, OutputResult } from '../output/values.js';
import type { Symbolizer } from '../output/symbolizer.js';

/** A `-c` child: already spawned and stopped; the session releases it once probes are attached. */
export interface SessionChild {
  pid: number;
  /** Lets the child run (SIGCONT). Called once, after every probe is attached. */
  release(): void;
  /** Settles when the child has exited. */
  exited: Promise<void>;
  /** Ends the child early (exit() in the script, a signal, the duration). */
  terminate(): void;
}

export interface SessionOptions {
  /** Stop after this many ms (the service's durationSeconds). Default: no limit. */
  durationMs?: number;
  /**
   * `-p PID`: USDT, uprobe and watchpoint probes attach to this process, and the session ends
   * when it exits (as bpftrace 0.17's process monitor). Default: none.
   */
  pid?: number;
  /** `-c CMD`: the session ends when the child exits. Default: none. */
  child?: SessionChild;
  /** Aborting ends the session as Ctrl-C does: detach, run END, print maps. Default: none. */
  signal?: AbortSignal;
  /** Every output record, as it happens (the CLI renders and writes each one at once). */
  onOutput?: (record: OutputRecord) => void;
  /** Diagnostic lines for `-v` (verifier logs, attach details) and warnings. Default: dropped. */
  onLog?: (line: string) => void;
  /** `-v`: load with the verifier log and report attach details through onLog. Default false. */
  verbose?: boolean;
  /** `--unsafe`: allow system(). Default false (the compiler already rejects it without). */
  unsafe?: boolean;
  /** `-q`: no `attached_probes` record. Default false. */
  quiet?: boolean;
  /** Keep every record in the result (the service stores it). Default true. */
  keepRecords?: boolean;
  /** Names kernel and user addresses for stacks, ksym, usym. Default: worker/symbols' live one. */
  symbolizer?: Symbolizer;
  /** BPFTRACE_CAT_BYTES_MAX: the most bytes one cat() prints. Default 10240 (0.17's). */
  catBytesMax?: number;
  /** Poll timeout in ms; bpftrace 0.17 uses 100. */
  pollMs?: number;
  /** Called once every probe is attached, with a handle to act on the running session. */
  onStarted?: (control: SessionControl) => void;
  /**
   * Called when what was emitted so far must reach its destination: before a `-c` child runs,
   * so `Attaching N probes...` and BEGIN's output come before the child's, as in 0.17.
   */
  onFlush?: () => void;
}

/** What a caller can ask of a running session. */
export interface SessionControl {
  /** Print every map now, as at exit but without the blank lines (0.17's SIGUSR1). */
  printMaps(): void;
}

/** Why a session ended. */
export type SessionEnd =
  /** exit() in the script. */
  | 'exit'
  /** durationMs elapsed. */
  | 'duration'
  /** The AbortSignal fired (Ctrl-C, a cancelled job). */
  | 'signal'
  /** The `-c` child exited. */
  | 'child-exited'
  /** The `-p` process exited. */
  | 'pid-exited';

export interface SessionResult {
  /** Every record in order (empty when keepRecords is false): render with worker/output. */
  output: OutputResult;
  end: SessionEnd;
  /** Probes attached (bpftrace's `Attaching N probes...` number). */
  attachedProbes: number;
  /** Perf events the kernel dropped because the buffer was full. */
  lostEvents: number;
  /** Wall-clock ms from loading to the last map printed. */
  elapsedMs: number;
}

/** Runs an artifact: load, BEGIN, attach, poll, END, print maps; everything torn down after. */
export type RunSession = (artifact: Artifact, options?: SessionOptions) => Promise<SessionResult>;

// runSession() rejects with one of worker/runtime/errors.ts: VerifierError (the kernel
// rejected a program), AttachError (a probe failed to attach; bpftrace exits 255),
// NotSupportedError (a kernel feature is missing), BpfError (any other kernel call failed).
// Nothing stays loaded or attached after it settles, either way.
