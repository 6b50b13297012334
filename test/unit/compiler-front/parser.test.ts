import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { FakeHost } from '../../support/fake-host.js';
import assert from 'node:assert/strict';
import { parse } from '../../../compiler/front/parser.js';
import type { Expr, Program, Statement } from '../../../compiler/front/ast.js';

function program(text: string): Program {
  const r = parse({ name: 'stdin', text });
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.program);
  return r.program;
}

function body(text: string): Statement[] {
  const p = program(text);
  return p.probes[0]?.body ?? [];
}

/** An expression as a compact S-expression, to assert shape and precedence. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'integer':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'positional':
      return e.count ? '$#' : `$${e.index}`;
    case 'builtin':
      return e.index === undefined ? e.name : `${e.name}${e.index}`;
    case 'identifier':
    case 'variable':
      return e.name;
    case 'map':
      return e.keys.length ? `${e.name}[${e.keys.map(sx).join(',')}]` : e.name;
    case 'call':
      return `${e.name}(${e.args.map(sx).join(',')})`;
    case 'binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'unary':
      return `(${e.op} ${sx(e.operand)})`;
    case 'incdec':
      return e.prefix ? `(${e.op}pre ${sx(e.target)})` : `(${e.op}post ${sx(e.target)})`;
    case 'ternary':
      return `(? ${sx(e.cond)} ${sx(e.then)} ${sx(e.else)})`;
    case 'field':
      return `(${e.arrow ? '->' : '.'} ${sx(e.base)} ${e.field})`;
    case 'index':
      return `([] ${sx(e.base)} ${sx(e.index)})`;
    case 'tuple':
      return `(tuple ${e.elems.map(sx).join(' ')})`;
    case 'tupleAccess':
      return `(.${e.index} ${sx(e.base)})`;
    case 'cast':
      return `(cast ${e.target.name}${'*'.repeat(e.target.pointerDepth)}${e.target.arrayCount !== undefined ? `[${e.target.arrayCount}]` : ''} ${sx(e.operand)})`;
    case 'sizeof':
      return e.arg.kind === 'type'
        ? `(sizeof ${e.arg.typeName.name})`
        : `(sizeof ${sx(e.arg.expr)})`;
  }
}

function exprOf(text: string): string {
  const [s] = body(`BEGIN { @ = ${text}; }`);
  assert.equal(s?.kind, 'assign');
  return s.kind === 'assign' ? sx(s.value) : '';
}

describe('parser: expressions', () => {
  it('follows C precedence and associativity', () => {
    assert.equal(exprOf('1 + 2 * 3'), '(+ 1 (* 2 3))');
    assert.equal(exprOf('1 - 2 - 3'), '(- (- 1 2) 3)');
    assert.equal(exprOf('1 << 2 + 3'), '(<< 1 (+ 2 3))');
    assert.equal(exprOf('1 < 2 == 3 > 4'), '(== (< 1 2) (> 3 4))');
    assert.equal(exprOf('1 & 2 ^ 3 | 4'), '(| (^ (& 1 2) 3) 4)');
    assert.equal(exprOf('1 || 2 && 3'), '(|| 1 (&& 2 3))');
    assert.equal(exprOf('1 ? 2 : 3 ? 4 : 5'), '(? 1 2 (? 3 4 5))');
    assert.equal(exprOf('!-~*1'), '(! (- (~ (* 1))))');
    assert.equal(exprOf('(1 + 2) * 3'), '(* (+ 1 2) 3)');
  });

  it('parses postfix chains, tuples and tuple access', () => {
    assert.equal(
      exprOf('curtask->real_parent->comm[0]'),
      '([] (-> (-> curtask real_parent) comm) 0)',
    );
    assert.equal(exprOf('$t.0.1'), '(.1 (.0 $t))');
    assert.equal(exprOf('(1, "a", comm)'), '(tuple 1 "a" comm)');
    assert.equal(exprOf('args->x.y'), '(. (-> args x) y)');
  });

  it('parses casts to integers, pointers, struct pointers and arrays', () => {
    assert.equal(exprOf('(uint8)1'), '(cast uint8 1)');
    assert.equal(exprOf('(struct task_struct *)arg0'), '(cast struct task_struct* arg0)');
    assert.equal(exprOf('(uint8 **)0'), '(cast uint8** 0)');
    assert.equal(exprOf('(int8[4])1'), '(cast int8[4] 1)');
    assert.equal(exprOf('(int32)-1'), '(cast int32 (- 1))');
  });

  it('tells a parenthesised name from a cast', () => {
    assert.equal(exprOf('(pid) + 1'), '(+ pid 1)');
    assert.equal(exprOf('(A) - 1'), '(- A 1)');
  });

  it('parses sizeof of types and expressions', () => {
    assert.equal(exprOf('sizeof(struct task_struct)'), '(sizeof struct task_struct)');
    assert.equal(exprOf('sizeof(uint32)'), '(sizeof uint32)');
    assert.equal(exprOf('sizeof(comm)'), '(sizeof comm)');
  });

  it('parses builtins, positional parameters, calls and maps', () => {
    assert.equal(exprOf('arg3 + sarg1 + retval'), '(+ (+ arg3 sarg1) retval)');
    assert.equal(exprOf('$1 + $#'), '(+ $1 $#)');
    assert.equal(exprOf('str($1)'), 'str($1)');
    assert.equal(exprOf('@x[pid, comm]'), '@x[pid,comm]');
    assert.equal(exprOf('kstack(perf, 3)'), 'kstack(perf,3)');
    assert.equal(exprOf('@x++ + --$y'), '(+ (++post @x) (--pre $y))');
  });
});

describe('parser: statements and probes', () => {
  it('desugars compound assignment the way 0.17 does', () => {
    const [s] = body('BEGIN { @x[1] <<= 2 }');
    assert.equal(s?.kind, 'assign');
    if (s?.kind !== 'assign') return;
    assert.equal(s.compound, '<<');
    assert.equal(sx(s.value), '(<< @x[1] 2)');
    assert.notEqual(s.value.kind === 'binary' ? s.value.left : undefined, s.target);
  });

  it('parses if / else if / else, unroll, while, break, continue, return', () => {
    const stmts = body(
      'BEGIN { if (1) { @a = 1 } else if (2) { @b = 2 } else { @c = 3 } unroll(3) { @d++ } while ($i < 3) { break; continue } return }',
    );
    assert.deepEqual(
      stmts.map((s) => s.kind),
      ['if', 'unroll', 'while', 'return'],
    );
    const first = stmts[0];
    assert.ok(first?.kind === 'if' && first.else?.[0]?.kind === 'if');
  });

  it('reads several attach points, a predicate with division and the block', () => {
    const p = program('BEGIN,END,\n  tracepoint:syscalls:sys_enter_* /4/2/ { @ = 1 }').probes;
    assert.equal(p.length, 1);
    assert.deepEqual(
      p[0]?.attachPoints.map((a) => a.text),
      ['BEGIN', 'END', 'tracepoint:syscalls:sys_enter_*'],
    );
    assert.ok(p[0]?.predicate);
    assert.equal(sx(p[0].predicate), '(/ 4 2)');
  });

  it('keeps #include, applies #define and #ifdef, and lays out C structs', () => {
    const p = program(
      '#include <linux/sched.h>\n#ifndef BPFTRACE_HAVE_BTF\n#define X 1\n#else\n#define X 7\n#endif\n' +
        'struct foo { char c; int i; long l; char name[16]; struct foo *next; unsigned int a:3, b:5; };\n' +
        'enum color { RED, GREEN = 5, BLUE };\n' +
        'BEGIN { @ = X; }',
    );
    assert.deepEqual(p.preprocessor.map((d) => d.text)[0], '#include <linux/sched.h>');
    assert.equal(p.cDefinitions.defines.get('X'), '7');
    const foo = p.cDefinitions.records.get('struct foo');
    assert.deepEqual(
      foo?.fields.map((f) => [f.name, f.offset, f.bitOffset, f.bitSize]),
      [
        ['c', 0, undefined, undefined],
        ['i', 4, undefined, undefined],
        ['l', 8, undefined, undefined],
        ['name', 16, undefined, undefined],
        ['next', 32, undefined, undefined],
        ['a', 40, 0, 3],
        ['b', 40, 3, 5],
      ],
    );
    assert.equal(foo?.size, 48);
    assert.equal(p.cDefinitions.enumConstants.get('BLUE'), 6n);
    const [s] = p.probes[0]?.body ?? [];
    assert.ok(s?.kind === 'assign' && s.value.kind === 'integer' && s.value.value === 7n);
  });

  it('lays structs out as clang did for bpftrace 0.17 (sizes captured)', () => {
    const dir = new URL('../../../../test/fixtures/front/', import.meta.url);
    const text = readFileSync(new URL('c-layouts.bt', dir), 'utf8');
    const expected = readFileSync(new URL('c-layouts.out', dir), 'utf8')
      .trim()
      .split(' ')
      .map(Number);
    const r = check({ name: 'c-layouts.bt', text }, {}, new FakeHost());
    assert.ok(r.program);
    const stmt = r.program.probes[0]?.body[0];
    assert.ok(stmt?.kind === 'exprStmt' && stmt.expr.kind === 'call');
    const sizes = stmt.expr.args.slice(1).map((a) => (a.kind === 'sizeof' ? a.size : undefined));
    assert.equal(sizes.length, 10);
    assert.deepEqual(sizes, expected);
  });

  it('lays out unions and anonymous members', () => {
    const p = program(
      'union u { char c; long l; int a[3]; }; struct s { int x; union { int y; char z; }; };',
    );
    assert.equal(p.cDefinitions.records.get('union u')?.size, 16);
    assert.deepEqual(
      p.cDefinitions.records.get('struct s')?.fields.map((f) => [f.name, f.offset]),
      [
        ['x', 0],
        ['y', 4],
        ['z', 4],
      ],
    );
  });

  it('stops at the first syntax error with its span', () => {
    const r = parse({ name: 'stdin', text: 'BEGIN { @a = 1 @b = 2 }' });
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]?.code, 'E1001');
    assert.deepEqual(r.diagnostics[0]?.span, { line: 1, column: 16, endLine: 1, endColumn: 18 });
  });

  it('rejects unsupported preprocessor directives and bad C definitions', () => {
    assert.equal(
      parse({ name: 's', text: '#define F(x) x\nBEGIN {}' }).diagnostics[0]?.code,
      'E1012',
    );
    assert.equal(parse({ name: 's', text: '#ifdef X\nBEGIN {}' }).diagnostics[0]?.code, 'E1002');
    assert.equal(
      parse({ name: 's', text: 'struct a { int x }; BEGIN {}' }).diagnostics[0]?.code,
      'E1011',
    );
    assert.equal(
      parse({ name: 's', text: 'struct a { nosuchtype x; }; BEGIN {}' }).diagnostics[0]?.code,
      'E1014',
    );
  });
});
