// The real JobRunner: compile the job's program on this node (its tracepoints, BTF and
// binaries), then run it with the runtime's session, which loads, attaches, polls, detaches
// and tears everything down. Errors are sorted into permanent ones (the program, the
// verifier, a missing kernel feature, a failed attach) and transient ones.
import { readdirSync } from 'node:fs';
import type { Artifact } from '../../compiler/artifact.js';
import { listProbes as listProbesText, ListError } from '../../cli/list.js';
import { nodeHost } from '../../host/node-host.js';
import {
  AttachError,
  BpfError,
  NotSupportedError,
  VerifierError,
  runSession,
} from '../runtime/index.js';
import { errnoMessage } from '../libbpf/errors.js';
import { rejectionReason, rejectionSource } from '../loader/explain-rejection.js';
import { bpfRunTime } from './bpf-run-time.js';
import { capabilityFacts, checkWorkerCapabilities } from './capabilities.js';
import { CompileThread } from './compile-thread.js';
import {
  TraceFailure,
  type JobRunner,
  type TraceHooks,
  type TraceOutcome,
  type TraceRequest,
} from './job-runner.js';

/**
 * The verifier's verdict as the job's error: its reason and the script position on the first
 * line (`the kernel's verifier rejected BEGIN: infinite loop detected at insn 9 (stdin:1:21)`),
 * the log's last lines with the failing instruction and the source line as `log`, and the
 * position again as a diagnostic, as compile errors carry theirs.
 */
function verifierFailure(err: VerifierError, artifact: Artifact | undefined): TraceFailure {
  const reason = rejectionReason(err.log) ?? errnoMessage(err.errno);
  const program = artifact?.programs.find((p) => p.name === err.program);
  const at = program === undefined ? undefined : rejectionSource(program, err.log);
  const where = at === undefined ? '' : ` (${artifact?.source.name}:${at.line}:${at.column})`;
  return new TraceFailure(
    {
      kind: 'verifier',
      log: err.message,
      ...(at === undefined
        ? {}
        : { diagnostics: [{ line: at.line, column: at.column, message: reason }] }),
    },
    `the kernel's verifier rejected ${err.program}: ${reason}${where}`,
    true,
  );
}

function classify(err: unknown, artifact?: Artifact): TraceFailure | unknown {
  if (err instanceof VerifierError) return verifierFailure(err, artifact);
  if (err instanceof NotSupportedError) {
    return new TraceFailure(
      { kind: 'not-supported' },
      `not supported on this node: ${err.message}`,
      true,
    );
  }
  if (err instanceof AttachError) {
    return new TraceFailure({ kind: 'attach' }, err.message, true);
  }
  if (err instanceof BpfError) {
    // Without privileges every retry fails the same way: say what is missing instead.
    if (err.code === 'EPERM' || err.code === 'EACCES') {
      return new TraceFailure({ kind: 'not-supported' }, `${err.message}: ${lacking()}`, true);
    }
    return err; // another kernel call failed (ENOMEM, EBUSY, ...): may pass on retry
  }
  return err;
}

/** What this worker lacks, for a kernel call that was refused permission. */
function lacking(): string {
  const report = checkWorkerCapabilities(capabilityFacts());
  const names = [...report.missing, ...report.degraded].map((n) => n.name);
  return names.length === 0
    ? 'the worker holds every capability bpfq asks for, so a security module (seccomp, AppArmor, SELinux) or a sysctl refused it'
    : `the worker lacks ${names.join(', ')} (docs/deploy.md says what each is for)`;
}

/**
 * A job with a pid finds binaries of that process through /proc/PID/root (another mount
 * namespace: a container). Reading it is a ptrace check: without CAP_SYS_PTRACE a process
 * of another user is out of reach, and its binaries read as missing. Says so with the
 * compile error, which otherwise only names the file.
 */
function withPidHint(err: unknown, pid: number | null): unknown {
  if (pid === null || !(err instanceof TraceFailure) || err.detail.kind !== 'compile') return err;
  try {
    readdirSync(`/proc/${pid}/root/`);
    return err;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') return err;
  }
  const hint = `this worker cannot read /proc/${pid}/root, where process ${pid}'s files are: tracing another user's process needs CAP_SYS_PTRACE`;
  return new TraceFailure({ ...err.detail, hint }, `${err.message} (${hint})`, err.permanent);
}

export function kernelRunner(): JobRunner {
  const host = nodeHost();
  // Compiling off the event loop; loading and attaching give it turns (runSession).
  const compiler = new CompileThread();
  return {
    async run(request: TraceRequest, hooks: TraceHooks): Promise<TraceOutcome> {
      const { artifact, warnings } = await compiler.compile(request).catch((err: unknown) => {
        throw withPidHint(err, request.pid);
      });
      for (const w of warnings) hooks.onWarning(w);
      try {
        const result = await runSession(artifact, {
          durationMs: request.durationSeconds * 1000,
          ...(request.pid === null ? {} : { pid: request.pid }),
          signal: hooks.signal,
          onOutput: (record) => {
            hooks.onOutput(record);
            // 'end' comes after detaching and END but before the programs are closed.
            if (record.type === 'end') bpfRunTime.sample();
          },
          onStarted: () => hooks.onAttached(artifact.probeCount),
          onLog: (line) => hooks.onWarning(line),
          // The processor keeps records itself, within the result budget.
          keepRecords: false,
        });
        return {
          end: result.end,
          attachedProbes: result.attachedProbes,
          probes: artifact.programs.map((p) => p.name),
          lostEvents: result.lostEvents,
          elapsedMs: result.elapsedMs,
        };
      } catch (err) {
        throw classify(err, artifact);
      }
    },
    close: () => compiler.close(),
    async listProbes(search: string): Promise<string[]> {
      try {
        const text = listProbesText(search === '' ? undefined : search, {}, host);
        return text.split('\n').filter((l) => l !== '');
      } catch (err) {
        if (err instanceof ListError) throw new Error(err.message.trim());
        throw err;
      }
    },
  };
}
