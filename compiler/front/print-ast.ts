// `bpfq -d`: the checked program as an indented tree, one node a line with its type, in the
// spirit of bpftrace's `-d` AST dump (`map: @x :: [int64]`), followed by the expanded probes,
// the maps and each probe's variables.
import { assertNever } from '../debug.js';
import { typeStr } from '../passes/type-names.js';
import type { CheckedProgram, Expr, Probe, Program, Statement } from './ast.js';
import { builtinText } from './builtins.js';

function typed(e: Expr): string {
  return e.type ? ` :: [${typeStr(e.type)}]` : '';
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function exprLines(e: Expr, depth: number, out: string[]): void {
  const pad = ' '.repeat(depth);
  const line = (text: string) => out.push(`${pad}${text}${typed(e)}`);
  const kids = (...es: Expr[]) => es.forEach((c) => exprLines(c, depth + 1, out));
  switch (e.kind) {
    case 'integer':
      line(`int: ${e.value}`);
      return;
    case 'string':
      line(`string: ${quote(e.value)}`);
      return;
    case 'positional':
      line(e.count ? 'param: $#' : `param: $${e.index}`);
      return;
    case 'builtin':
      line(`builtin: ${builtinText(e)}`);
      return;
    case 'identifier':
      line(`identifier: ${e.name}`);
      return;
    case 'variable':
      line(`variable: ${e.name}`);
      return;
    case 'map':
      line(`map: ${e.name}`);
      kids(...e.keys);
      return;
    case 'call':
      line(`call: ${e.name}${e.resolved !== undefined ? ` = 0x${e.resolved.toString(16)}` : ''}`);
      kids(...e.args);
      return;
    case 'binary':
      line(e.op);
      kids(e.left, e.right);
      return;
    case 'unary':
      line(`unary ${e.op}`);
      kids(e.operand);
      return;
    case 'incdec':
      line(e.prefix ? `${e.op} (pre)` : `${e.op} (post)`);
      kids(e.target);
      return;
    case 'ternary':
      line('?:');
      kids(e.cond, e.then, e.else);
      return;
    case 'field': {
      const r = e.resolved;
      const where = r
        ? ` @${r.offset}${r.bitSize !== undefined ? `:${r.bitOffset ?? 0}+${r.bitSize}` : ''}${r.dataLoc ? ' data_loc' : ''}`
        : '';
      const per = e.perTarget ? ` (per probe: ${e.perTarget.map((p) => p.offset).join(',')})` : '';
      line(`${e.arrow ? '->' : '.'} ${e.field}${where}${per}`);
      kids(e.base);
      return;
    }
    case 'index':
      line('[]');
      kids(e.base, e.index);
      return;
    case 'tuple':
      line('tuple:');
      kids(...e.elems);
      return;
    case 'tupleAccess':
      line(`.${e.index}`);
      kids(e.base);
      return;
    case 'cast':
      line(`(${e.target.name}${' *'.repeat(e.target.pointerDepth)})`);
      kids(e.operand);
      return;
    case 'sizeof':
      line(`sizeof${e.size !== undefined ? ` = ${e.size}` : ''}`);
      if (e.arg.kind === 'expr') kids(e.arg.expr);
      else
        out.push(`${pad} type: ${e.arg.typeName.name}${' *'.repeat(e.arg.typeName.pointerDepth)}`);
      return;
    default:
      assertNever(e, 'expression');
  }
}

function statementLines(s: Statement, depth: number, out: string[]): void {
  const pad = ' '.repeat(depth);
  const body = (label: string, list: Statement[]) => {
    out.push(`${pad} ${label}`);
    for (const c of list) statementLines(c, depth + 2, out);
  };
  switch (s.kind) {
    case 'exprStmt':
      exprLines(s.expr, depth, out);
      return;
    case 'assign':
      out.push(`${pad}${s.compound ? `${s.compound}=` : '='}`);
      exprLines(s.target, depth + 1, out);
      exprLines(s.value, depth + 1, out);
      return;
    case 'if':
      out.push(`${pad}if`);
      exprLines(s.cond, depth + 1, out);
      body('then', s.then);
      if (s.else) body('else', s.else);
      return;
    case 'unroll':
      out.push(`${pad}unroll ${s.count ?? '?'}`);
      body('block', s.body);
      return;
    case 'while':
      out.push(`${pad}while`);
      exprLines(s.cond, depth + 1, out);
      body('block', s.body);
      return;
    case 'break':
    case 'continue':
    case 'return':
      out.push(`${pad}${s.kind}`);
      return;
    case 'block':
      body('block', s.body);
      return;
    default:
      assertNever(s, 'statement');
  }
}

function probeLines(p: Probe, out: string[]): void {
  out.push(` ${p.attachPoints.map((a) => a.text).join(',')}`);
  for (const t of p.targets) out.push(`  -> ${t.name} (${t.progType})`);
  for (const [name, type] of p.variables) out.push(`  ${name} :: [${typeStr(type)}]`);
  if (p.predicate) {
    out.push('  pred');
    exprLines(p.predicate, 3, out);
  }
  for (const s of p.body) statementLines(s, 2, out);
}

/** The program as `-d` prints it. Works on a parsed program too (types then absent). */
export function printProgram(program: Program | CheckedProgram): string {
  const out: string[] = ['Program'];
  for (const d of program.preprocessor) out.push(` ${d.text}`);
  for (const r of program.cDefinitions.records.values()) {
    out.push(` ${r.name} (${r.size} bytes)`);
    for (const f of r.fields) out.push(`  ${f.name} @${f.offset} :: [${typeStr(f.type)}]`);
  }
  for (const p of program.probes) probeLines(p, out);
  if ('maps' in program) {
    out.push('Maps');
    for (const m of program.maps.values()) {
      const key = m.key.length > 0 ? `[${m.key.map(typeStr).join(', ')}]` : '';
      out.push(` ${m.name}${key} :: [${typeStr(m.value)}]`);
    }
  }
  return out.join('\n') + '\n';
}
