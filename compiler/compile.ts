// The compiler's entry point: source text to an Artifact. The front end (check) then code
// generation; a user error anywhere comes back as diagnostics, never as an exception. An
// exception out of here is a bpfq bug (compiler/debug.ts InternalError).
import type { Artifact } from './artifact.js';
import { check, type CheckOptions } from './check.js';
import type { Diagnostic } from './diagnostics.js';
import type { CompilerHost } from './host.js';
import { runCodegen } from './codegen/index.js';

export interface CompileOptions extends CheckOptions {
  /** The -c child's pid, for `cpid` (bpftrace 0.17 starts the child before compiling). Default: 0. */
  cpid?: number;
}

export interface CompileResult {
  /** Present when the program compiled (warnings may still be present). */
  artifact?: Artifact;
  diagnostics: Diagnostic[];
}

/** `source` is the program text (named `stdin`, as bpftrace names -e programs) or a named source. */
export function compile(
  source: string | { name: string; text: string },
  options: CompileOptions,
  host: CompilerHost,
): CompileResult {
  const named = typeof source === 'string' ? { name: 'stdin', text: source } : source;
  const checked = check(named, options, host);
  if (!checked.program) return { diagnostics: checked.diagnostics };
  const generated = runCodegen(
    checked.program,
    host,
    options.cpid === undefined ? {} : { cpid: options.cpid },
  );
  const diagnostics = [...checked.diagnostics, ...generated.diagnostics];
  return generated.artifact ? { artifact: generated.artifact, diagnostics } : { diagnostics };
}
