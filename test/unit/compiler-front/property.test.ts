// Generated and mutated programs: whatever the input, check() ends with a program or with
// diagnostics whose locations are inside the text; it never throws and never hangs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { check } from '../../../compiler/check.js';
import { formatDiagnostic } from '../../../compiler/diagnostics.js';
import { FakeHost } from '../../support/fake-host.js';

const host = new FakeHost();

/** Returns whether the program checked (so tests can see the generator reaches the typer). */
function assertWellFormed(text: string): boolean {
  const r = check({ name: 'stdin', text }, { params: ['1', 'abc'] }, host);
  const lines = text.split('\n');
  for (const d of r.diagnostics) {
    assert.match(d.code, /^[EW][1-5]\d{3}$/);
    assert.ok(d.message.length > 0);
    const { line, column, endLine, endColumn } = d.span;
    assert.ok(line >= 1 && line <= lines.length, `line ${line} of ${lines.length}: ${d.message}`);
    const lineLength = lines[line - 1]?.length ?? 0;
    assert.ok(
      column >= 1 && column <= lineLength + 1,
      `column ${column} > ${lineLength + 1}: ${d.message}`,
    );
    assert.ok(endLine > line || (endLine === line && endColumn >= column), JSON.stringify(d.span));
    assert.ok(endLine <= lines.length);
    assert.ok(formatDiagnostic(d, { name: 'stdin', text }).includes(d.message));
  }
  const errors = r.diagnostics.some((d) => d.severity === 'error');
  assert.equal(r.program === undefined, errors);
  return r.program !== undefined;
}

const ATTACH = [
  'BEGIN',
  'END',
  'tracepoint:syscalls:sys_enter_openat',
  't:syscalls:sys_exit_read',
  'tracepoint:sched:sched_switch',
  't:block:block_rq_issue',
  'kprobe:vfs_read',
  'kretprobe:vfs_read',
  'uprobe:/bin/bash:readline',
  'uretprobe:libc:malloc',
  'usdt:/tmp/tracetest:testprobe',
  'profile:hz:99',
  'interval:ms:100',
  'software:faults',
  'rawtracepoint:sched_switch',
  'kfunc:vfs_read',
  'watchpoint:0x1000:8:rw',
  'tracepoint:syscalls:sys_enter_open*',
];

const LEAVES = [
  '1',
  '0x10',
  '1_000',
  '1e3',
  '"str"',
  '"%d\\n"',
  'pid',
  'tid',
  'comm',
  'nsecs',
  'arg0',
  'arg1',
  'retval',
  'args->filename',
  'args->ret',
  'args->prev_pid',
  'curtask',
  'curtask->pid',
  '$x',
  '$y',
  '@m',
  '@m[pid]',
  '@h',
  '$1',
  '$2',
  '$#',
  'kstack',
  'ustack',
  'func',
  'probe',
  'cpu',
  'elapsed',
  'username',
  'RED',
  'LIMIT',
];
const BINOPS = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
];
const CALLS = [
  'count()',
  'sum(X)',
  'hist(X)',
  'lhist(X, 0, 100, 10)',
  'min(X)',
  'max(X)',
  'avg(X)',
  'stats(X)',
  'str(X)',
  'str(X, 8)',
  'ksym(X)',
  'usym(X)',
  'ntop(X)',
  'buf(X, 4)',
  'kstack(perf, 3)',
  'strncmp(comm, "a", 1)',
  'strftime("%H", X)',
  'strerror(X)',
  'bswap(X)',
  'sizeof(X)',
  '(uint8)X',
  '(struct task_struct *)X',
  'X ? X : X',
  '(X, X)',
  '(X, X).1',
  '-X',
  '!X',
  '~X',
  '*X',
];

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...LEAVES),
    fc.tuple(tie('e'), fc.constantFrom(...BINOPS), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom(...CALLS), tie('e')).map(([c, x]) => c.replace(/X/g, x)),
    tie('e').map((x) => `(${x})`),
  ),
})).e;

const statement: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small' },
    expr.map((e) => `@m[pid] = ${e};`),
    expr.map((e) => `@h = ${e};`),
    expr.map((e) => `$x = ${e};`),
    expr.map((e) => `$y += ${e};`),
    expr.map((e) => `printf("%d %s\\n", ${e}, comm);`),
    expr.map((e) => `print(${e});`),
    fc.constantFrom(
      '@c = count();',
      '@m[pid]++;',
      'delete(@m[pid]);',
      'clear(@m);',
      'exit();',
      'break;',
      'return;',
    ),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 3 }))
      .map(([c, b]) => `if (${c}) { ${b.join(' ')} }`),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 3 }), fc.array(tie('s'), { maxLength: 2 }))
      .map(([c, a, b]) => `if (${c}) { ${a.join(' ')} } else { ${b.join(' ')} }`),
    fc
      .tuple(fc.integer({ min: 0, max: 120 }), fc.array(tie('s'), { maxLength: 2 }))
      .map(([n, b]) => `unroll(${n}) { ${b.join(' ')} }`),
    fc
      .tuple(expr, fc.array(tie('s'), { maxLength: 2 }))
      .map(([c, b]) => `while (${c}) { ${b.join(' ')} break; }`),
  ),
})).s;

const probe = fc
  .tuple(
    fc.uniqueArray(fc.constantFrom(...ATTACH), { minLength: 1, maxLength: 3 }),
    fc.option(expr, { nil: undefined }),
    fc.array(statement, { maxLength: 5 }),
  )
  .map(([aps, pred, body]) => `${aps.join(',')}${pred ? ` /${pred}/` : ''} { ${body.join(' ')} }`);

const program = fc
  .tuple(fc.boolean(), fc.array(probe, { minLength: 1, maxLength: 3 }))
  .map(
    ([defs, probes]) => `${defs ? '#define LIMIT 5\nenum { RED = 1 };\n' : ''}${probes.join('\n')}`,
  );

// Integer-valued pieces valid in every probe: programs built from them should check.
const INT_LEAVES = [
  '1',
  '0x10',
  '1_000',
  'pid',
  'tid',
  'uid',
  'nsecs',
  'cpu',
  'elapsed',
  '$x',
  '@m[pid]',
  'sizeof(comm)',
];
const INT_OPS = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
];
const intExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...INT_LEAVES),
    fc
      .tuple(tie('e'), fc.constantFrom(...INT_OPS), tie('e'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
    tie('e').map((x) => `(uint32)${x}`),
    tie('e').map((x) => `- ${x}`),
    tie('e').map((x) => `!${x}`),
  ),
})).e;
const intStatement = fc.oneof(
  intExpr.map((e) => `@m[pid] = ${e};`),
  intExpr.map((e) => `$x = ${e};`),
  intExpr.map((e) => `@h = hist(${e});`),
  intExpr.map((e) => `@s[comm] = sum(${e});`),
  intExpr.map((e) => `printf("%d\\n", ${e});`),
  intExpr.map((e) => `if (${e}) { @c = count(); } else { $x++; }`),
);
const wellTyped = fc
  .tuple(
    fc.constantFrom('BEGIN', 'interval:s:1', 'kprobe:vfs_read', 'tracepoint:sched:sched_switch'),
    fc.array(intStatement, { maxLength: 6 }),
  )
  .map(([ap, body]) => `${ap} { $x = 1; @m[pid] = 1; ${body.join(' ')} }`);

const TOOLS = new URL('../../../../test/fixtures/front/programs/', import.meta.url);
const seeds = readdirSync(TOOLS)
  .filter((f) => f.endsWith('.bt'))
  .map((f) => readFileSync(new URL(f, TOOLS), 'utf8'));

const NOISE = [...'{}()[];,./*-+!~@$#"\'\\\n\t :=<>?&|^%0123456789abcxyz'];

/** One edit: delete a range, insert noise, duplicate a slice or swap two characters. */
const mutation = fc.tuple(
  fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
  fc.nat(),
  fc.nat({ max: 12 }),
  fc.constantFrom(...NOISE),
);

function mutate(text: string, edits: [string, number, number, string][]): string {
  let t = text;
  for (const [kind, at, len, ch] of edits) {
    const i = t.length === 0 ? 0 : at % t.length;
    if (kind === 'delete') t = t.slice(0, i) + t.slice(i + len);
    else if (kind === 'insert') t = t.slice(0, i) + ch.repeat(1 + (len % 3)) + t.slice(i);
    else if (kind === 'duplicate') t = t.slice(0, i + len) + t.slice(i, i + len) + t.slice(i + len);
    else if (i + 1 < t.length) t = t.slice(0, i) + (t[i + 1] ?? '') + (t[i] ?? '') + t.slice(i + 2);
  }
  return t;
}

describe('check() on generated and mutated programs', () => {
  it('never throws on generated programs (4000 runs)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(program, (text) => {
        if (assertWellFormed(text)) accepted++;
      }),
      { numRuns: 4000, seed: 1 },
    );
    // Enough of them get through every pass for the property to cover the type passes.
    assert.ok(accepted >= 50, `${accepted} of 4000 generated programs checked`);
  });

  it('checks well-typed generated programs (1000 runs)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(wellTyped, (text) => {
        if (assertWellFormed(text)) accepted++;
      }),
      { numRuns: 1000, seed: 5 },
    );
    assert.equal(accepted, 1000);
  });

  it('never throws on mutated generated programs (3000 runs)', () => {
    fc.assert(
      fc.property(program, fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, edits) => {
        assertWellFormed(mutate(text, edits));
      }),
      { numRuns: 3000, seed: 2 },
    );
  });

  it('never throws on mutated tool programs (2500 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (text, edits) => {
          assertWellFormed(mutate(text, edits));
        },
      ),
      { numRuns: 2500, seed: 3 },
    );
  });

  it('never throws on arbitrary text (500 runs)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        assertWellFormed(text);
      }),
      {
        numRuns: 500,
        seed: 4,
      },
    );
  });
});
