// Pass: scopes and names. Replaces positional parameters and enum/#define names by
// literals, checks that every scratch variable is assigned before it is read (0.17:
// a variable belongs to its probe block from its first assignment on, whatever the nesting),
// and that break/continue sit inside a while loop.
import type { DiagnosticBag } from '../diagnostics.js';
import type { Call, Expr, Probe, Program, Statement } from '../front/ast.js';
import { childExprs, replaceExpr } from '../front/walk.js';
import { truncateBytes } from '../front/strings.js';

/** Names a kstack()/ustack() call takes as its mode argument (`raw` came in 0.18). */
export const STACK_MODES = new Set(['bpftrace', 'perf']);

/**
 * A parameter used as a number, read as 0.17 reads it: C's `stoll(text, &idx, 0)` must take
 * the whole text. So leading white space and a sign are allowed, `0x` is hex, a leading 0
 * octal (`0777` is 511), and a value outside int64 is not a number.
 */
function parseNumber(text: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const magnitude = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const n = m[1] === '-' ? -magnitude : magnitude;
  if (n < -(1n << 63n) || n >= 1n << 63n) return undefined;
  return n;
}

class Scopes {
  private defined = new Set<string>();
  private loopDepth = 0;

  constructor(
    private readonly program: Program,
    private readonly params: string[],
    private readonly bag: DiagnosticBag,
    private readonly strlen: number,
  ) {}

  probe(p: Probe): void {
    this.defined = new Set();
    this.loopDepth = 0;
    if (p.predicate) this.expr(p.predicate);
    this.statements(p.body);
  }

  private statements(list: Statement[]): void {
    for (const s of list) this.statement(s);
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'exprStmt':
        this.expr(s.expr);
        return;
      case 'assign':
        this.expr(s.value);
        if (s.target.kind === 'map') {
          for (const k of s.target.keys) this.expr(k);
        } else {
          this.defined.add(s.target.name);
        }
        return;
      case 'if':
        this.expr(s.cond);
        this.statements(s.then);
        if (s.else) this.statements(s.else);
        return;
      case 'unroll':
        this.expr(s.countExpr);
        this.statements(s.body);
        return;
      case 'while':
        this.expr(s.cond);
        this.loopDepth++;
        this.statements(s.body);
        this.loopDepth--;
        return;
      case 'break':
      case 'continue':
        if (this.loopDepth === 0) this.bag.report('loopJumpOutside', s.span, s.kind);
        return;
      case 'return':
        return;
      case 'block':
        this.statements(s.body);
        return;
    }
  }

  private param(index: number): string | undefined {
    return this.params[index - 1];
  }

  private expr(e: Expr): void {
    switch (e.kind) {
      case 'positional': {
        if (e.count) {
          replaceExpr(e, { kind: 'integer', value: BigInt(this.params.length), span: e.span });
          return;
        }
        const text = this.param(e.index);
        if (text === undefined) {
          // A missing parameter reads as 0, as in bpftrace 0.17.
          replaceExpr(e, { kind: 'integer', value: 0n, span: e.span });
          return;
        }
        const n = parseNumber(text);
        if (n === undefined) {
          this.bag.report('positionalNotNumber', e.span, e.index, text);
          replaceExpr(e, { kind: 'integer', value: 0n, span: e.span });
          return;
        }
        // Negative parameters wrap to their two's complement, as an int64 does.
        replaceExpr(e, { kind: 'integer', value: n < 0n ? (1n << 64n) + n : n, span: e.span });
        return;
      }
      case 'call':
        if (this.strOfParam(e)) return;
        break;
      case 'identifier': {
        const value = this.program.cDefinitions.enumConstants.get(e.name);
        if (value !== undefined) {
          replaceExpr(e, {
            kind: 'integer',
            value: value < 0n ? (1n << 64n) + value : value,
            span: e.span,
          });
        }
        // Other identifiers are checked where they are used (stack modes) or by resolve types.
        return;
      }
      case 'variable':
        if (!this.defined.has(e.name)) this.bag.report('undefinedVariable', e.span, e.name);
        return;
      case 'incdec':
        if (e.target.kind === 'variable' && !this.defined.has(e.target.name)) {
          this.bag.report('undefinedVariable', e.target.span, e.target.name);
        }
        if (e.target.kind === 'map') for (const k of e.target.keys) this.expr(k);
        return;
      default:
        break;
    }
    for (const c of childExprs(e)) this.expr(c);
  }

  /**
   * `str($N)` and `str($N, len)` become the parameter's text as a string literal, cut to
   * `len` bytes and to BPFTRACE_STRLEN - 1, as 0.17 reads it (`str($1, 2)` of `abcdef` is
   * `ab`; a 70-byte parameter gives its first 63 bytes).
   */
  private strOfParam(call: Call): boolean {
    const arg = call.args[0];
    if (call.name !== 'str' || call.args.length > 2 || arg?.kind !== 'positional' || arg.count) {
      return false;
    }
    let max = this.strlen - 1;
    const len = call.args[1];
    if (len !== undefined) {
      this.expr(len);
      // Only a constant length (0.17 fails to load the program for another one).
      if (len.kind !== 'integer') return false;
      if (len.value < BigInt(max)) max = Number(len.value);
    }
    const text = truncateBytes(this.param(arg.index) ?? '', max);
    replaceExpr(call, { kind: 'string', value: text, span: call.span });
    return true;
  }
}

/** `strlen`: BPFTRACE_STRLEN, default 64. */
export function runScopes(
  program: Program,
  params: string[],
  bag: DiagnosticBag,
  strlen = 64,
): void {
  const scopes = new Scopes(program, params, bag, strlen);
  for (const p of program.probes) scopes.probe(p);
}
