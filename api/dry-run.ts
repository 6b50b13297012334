// POST /v1/compile compiles on the API's own host, through the compiler's public entry point
// (compiler/index.ts) and the real host (host/node-host.ts). Both are loaded on first use, so
// the API starts, and every other route works, even where the compiler cannot load.
import { accessSync, constants } from 'node:fs';
import type { components } from './generated/openapi.js';
import { HttpProblem } from './problem.js';

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

/** The 400 problem for a program that does not compile: `errors` lists line, column, message. */
export function compileProblem(errors: CompileError[]): HttpProblem {
  const first = errors[0];
  return new HttpProblem(
    400,
    'Compile Error',
    first === undefined
      ? 'The program does not compile.'
      : `${first.line}:${first.column}: ${first.message}`,
    { errors },
  );
}

/**
 * Whether this process can judge probes (E4xxx diagnostics: tracepoints, binaries, symbols)
 * at all: an API in its own container, or run by a user who cannot read tracefs, cannot.
 * Even then it judges them only for nodes that share its host view (POST /v1/jobs); probe
 * errors are otherwise left to the worker of the job's node, which compiles again on its own
 * host. Everything else (syntax, names, types, limits) is the same on every host and is
 * rejected before anything is queued.
 */
export function hostSeesProbes(): boolean {
  try {
    accessSync('/sys/kernel/tracing/available_events', constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The errors that must stop a submit here, before anything is queued. */
export function blockingErrors(outcome: DryRunOutcome, seesProbes: boolean): CompileError[] {
  if (outcome.ok) return [];
  return seesProbes ? outcome.errors : outcome.errors.filter((e) => !e.code?.startsWith('E4'));
}
