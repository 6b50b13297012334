// Compiles a job's program on this node. Compile errors fail the job for good, with the
// diagnostics (line, column, message) stored so the API can show them.
import type { Artifact } from '../../compiler/artifact.js';
import type { CompilerHost } from '../../compiler/host.js';
import { TraceFailure, type TraceRequest } from './job-runner.js';

export function compileJob(_request: TraceRequest, _host: CompilerHost): Artifact {
  throw new TraceFailure({ kind: 'not-supported' }, 'the compiler is not available in this build', true);
}
