// POST /v1/compile compiles on the API's own host, through the compiler's public entry point
// (compiler/index.ts) and the real host (host/node-host.ts). Both are loaded on first use, so
// the API starts, and every other route works, even where the compiler cannot load.
import type { components } from './generated/openapi.js';

type CompileError = components['schemas']['CompileError'];

export type DryRunOutcome =
  | {
      ok: true;
      probes: number;
      programs: { name: string; instructions: number }[];
      maps: string[];
      warnings: CompileError[];
    }
  | { ok: false; errors: CompileError[] };

export interface DryRunRequest {
  program: string;
  params: string[];
  pid?: number;
}

export interface DryRunCompiler {
  /** Undefined when no compiler is available here (then the route answers 503). */
  compile(request: DryRunRequest): Promise<DryRunOutcome | undefined>;
}
