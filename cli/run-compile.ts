// The compile step of `bpfq run`: source to artifact through compiler/index.ts with the real
// host, diagnostics formatted as bpftrace prints them, and the `-d` dump.
import type { Artifact } from '../compiler/artifact.js';
import type { Symbolizer } from '../worker/output/index.js';
import type { RunArgs } from './run-args.js';

export interface Compiled {
  artifact?: Artifact;
  /** Errors and warnings, formatted (`stdin:1:9-14: ERROR: ...`). */
  diagnosticsText: string;
  /** `-d`: the checked program, the disassembly and the artifact. */
  dump(): string;
  /** The live symbolizer for stacks and symbols, when available. */
  symbolizer(): Promise<Symbolizer | undefined>;
}

export async function compileProgram(
  source: { name: string; text: string },
  _args: RunArgs,
  _cpid: number | undefined,
): Promise<Compiled> {
  return {
    diagnosticsText: `${source.name}: ERROR: the compiler is not available in this build\n`,
    dump: () => '',
    symbolizer: async () => undefined,
  };
}
