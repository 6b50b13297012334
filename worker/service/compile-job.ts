// Compiles a job's program on this node (its tracepoints, BTF and binaries). Compile errors
// fail the job for good, with the diagnostics (line, column, message) stored so the API can
// show them; warnings go with the artifact to become the job's warnings. A job with a pid gets the in-kernel pid filter (pid-filter.ts).
import type { Artifact } from '../../compiler/artifact.js';
import type { CompilerHost } from '../../compiler/host.js';
import { compile, formatDiagnostic } from '../../compiler/index.js';
import { TraceFailure, type TraceRequest } from './job-runner.js';
import { filterByPid } from './pid-filter.js';

export interface CompiledJob {
  artifact: Artifact;
  /** The compiler's warnings, each as bpftrace prints it (`stdin:1:9-14: WARNING: ...`). */
  warnings: string[];
}

export function compileJob(request: TraceRequest, host: CompilerHost): CompiledJob {
  let result: ReturnType<typeof compile>;
  try {
    result = compile(
      { name: 'stdin', text: request.program },
      { params: request.params, ...(request.pid === null ? {} : { pid: request.pid }) },
      host,
    );
  } catch (err) {
    // An exception out of compile() is a compiler bug: the same program fails the same way
    // on every attempt, so it is not retried.
    const why = err instanceof Error ? err.message : String(err);
    throw new TraceFailure({ kind: 'internal' }, `internal compiler error: ${why}`, true);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (result.artifact === undefined || errors.length > 0) {
    const diagnostics = errors.map((d) => ({
      line: d.span.line,
      column: d.span.column,
      message: d.message,
    }));
    const first = diagnostics[0];
    throw new TraceFailure(
      { kind: 'compile', diagnostics },
      first === undefined
        ? 'the program does not compile'
        : `stdin:${first.line}:${first.column}: ${first.message}`,
      true,
    );
  }
  const source = { name: 'stdin', text: request.program };
  const warnings = result.diagnostics
    .filter((d) => d.severity === 'warning')
    .map((d) => formatDiagnostic(d, source).trimEnd());
  const artifact =
    request.pid === null ? result.artifact : filterByPid(result.artifact, request.pid);
  return { artifact, warnings };
}
