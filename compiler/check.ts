// The front end's one entry point: source text in, a CheckedProgram (or diagnostics) out.
// Pure: everything about the machine comes from the CompilerHost. Never throws for a user
// error; an exception out of here is a bug in bpfq (compiler/debug.ts).
import type { Diagnostic } from './diagnostics.js';
import { DiagnosticBag, diagnostic } from './diagnostics.js';
import type { CheckedProgram } from './front/ast.js';
import { parse } from './front/parser.js';
import type { CompilerHost } from './host.js';
import { runCheckTypes } from './passes/check-types.js';
import type { CheckOptions, FrontConfig } from './passes/options.js';
import { STRLEN_MAX } from './passes/options.js';
import { runResolveProbes } from './passes/resolve-probes.js';
import { runResolveTypes } from './passes/resolve-types.js';
import { runScopes } from './passes/scopes.js';
import { visitExpr } from './front/walk.js';
import { childBodies } from './front/walk.js';
import type { Expr, Statement } from './front/ast.js';

export type { CheckOptions, FrontConfig } from './passes/options.js';

export interface CheckResult {
  /** Present when there are no errors (warnings may be present). */
  program?: CheckedProgram;
  diagnostics: Diagnostic[];
}

const START = { line: 1, column: 1, endLine: 1, endColumn: 2 };

function envNumber(host: CompilerHost, name: string, fallback: number, bag: DiagnosticBag): number {
  const text = host.env(name);
  if (text === undefined || text === '') return fallback;
  if (!/^[0-9]+$/.test(text.trim()) || Number(text) <= 0) {
    bag.report('invalidEnvValue', START, name, `expected a positive integer, got '${text}'`);
    return fallback;
  }
  return Number(text);
}

/** bpftrace 0.17's settings from the environment, with its defaults and limits. */
export function frontConfig(host: CompilerHost, bag: DiagnosticBag): FrontConfig {
  const strlen = envNumber(host, 'BPFTRACE_STRLEN', 64, bag);
  if (strlen > STRLEN_MAX) bag.report('strlenTooLarge', START, strlen);
  return {
    strlen: Math.min(strlen, STRLEN_MAX),
    mapKeysMax: envNumber(host, 'BPFTRACE_MAP_KEYS_MAX', 4096, bag),
    perfRbPages: envNumber(host, 'BPFTRACE_PERF_RB_PAGES', 64, bag),
    maxProbes: envNumber(host, 'BPFTRACE_MAX_PROBES', 512, bag),
    catBytesMax: envNumber(host, 'BPFTRACE_CAT_BYTES_MAX', 10240, bag),
  };
}

function forEachExpr(list: Statement[], fn: (e: Expr) => void): void {
  for (const s of list) {
    switch (s.kind) {
      case 'exprStmt':
        visitExpr(s.expr, fn);
        break;
      case 'assign':
        visitExpr(s.target, fn);
        visitExpr(s.value, fn);
        break;
      case 'if':
      case 'while':
        visitExpr(s.cond, fn);
        break;
      case 'unroll':
        visitExpr(s.countExpr, fn);
        break;
      default:
        break;
    }
    for (const body of childBodies(s)) forEachExpr(body, fn);
  }
}

function needsOf(program: CheckedProgram): CheckedProgram['needs'] {
  const needs = { unsafe: false, cpid: false, elapsed: false };
  const see = (e: Expr) => {
    if (e.kind === 'call' && ['system', 'signal', 'override'].includes(e.name)) needs.unsafe = true;
    if (e.kind === 'builtin' && e.name === 'cpid') needs.cpid = true;
    if (e.kind === 'builtin' && e.name === 'elapsed') needs.elapsed = true;
  };
  for (const p of program.probes) {
    if (p.predicate) visitExpr(p.predicate, see);
    forEachExpr(p.body, see);
  }
  return needs;
}

/**
 * Parses and checks a bpftrace 0.17 program: lex and parse, resolve probes, scopes,
 * resolve types, check types. Stops after the first pass that reports an error.
 */
export function check(
  source: { name: string; text: string },
  options: CheckOptions,
  host: CompilerHost,
): CheckResult {
  const bag = new DiagnosticBag();
  const config = frontConfig(host, bag);
  if (bag.hasErrors) return { diagnostics: bag.items };
  const parsed = parse(source);
  for (const d of parsed.diagnostics) bag.add(d);
  const parsedProgram = parsed.program;
  if (!parsedProgram || bag.hasErrors) return { diagnostics: bag.items };
  if (parsedProgram.probes.length === 0) {
    bag.add(diagnostic('emptyProgram', parsedProgram.tail));
    return { diagnostics: bag.items };
  }
  const params = options.params ?? [];
  const program: CheckedProgram = {
    ...parsedProgram,
    maps: new Map(),
    params,
    config: {
      strlen: config.strlen,
      mapKeysMax: config.mapKeysMax,
      perfRbPages: config.perfRbPages,
    },
    needs: { unsafe: false, cpid: false, elapsed: false },
  };
  const passes: (() => void)[] = [
    () => runResolveProbes(program, host, options, config, bag),
    () => runScopes(program, params, bag, config.strlen),
    () => runResolveTypes(program, host, config, bag),
    () => runCheckTypes(program, host, options, config, bag),
  ];
  for (const pass of passes) {
    pass();
    if (bag.hasErrors) return { diagnostics: bag.items };
  }
  program.needs = needsOf(program);
  return { program, diagnostics: bag.items };
}
