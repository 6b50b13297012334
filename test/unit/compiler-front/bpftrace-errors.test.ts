// Every diagnostic case of test/fixtures/front/error-cases.txt against what bpftrace 0.17
// printed for it (error-cases.json, captured by capture-errors.mjs on the reference machine).
// The code is always asserted; the whole formatted text must equal bpftrace's except for
// the differences listed below, each for a reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatDiagnostic } from '../../../compiler/diagnostics.js';
import { run } from './helpers.js';

interface Case {
  code: string;
  program: string;
  args: string[];
  bpftrace: string;
}

const cases = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/front/error-cases.json', import.meta.url),
    'utf8',
  ),
) as Case[];

/** Programs whose diagnostic deliberately differs from 0.17's, and why. */
const DIFFERENT: Record<string, string> = {
  'BEGIN { 1 +; }': "bison's span starts at the operator; bpfq points at the unexpected token",
  'BEGIN { $x = 1 } END': "bison's span includes the blank before END",
  'BEGIN { print(@nosuch); }': '0.17 points at the whole print() call, bpfq at the map',
  'BEGIN { @ = sizeof(foo); }': '0.17 points at the whole sizeof, bpfq at the name',
  'BEGIN { @ = (struct foo *)0; }': '0.17 points at the cast with its operand, bpfq at the type',
  'BEGIN { @ = curtask.pid; }': "0.17's span stops before the field name",
  'BEGIN { @ = 1->x; }': "0.17 calls integer literals 'unsigned int64' here",
  'BEGIN { @x = 1; @x = "a"; }': "0.17 drops the closing quote after the map's type",
  'BEGIN { @x = count(); @x = 1; }': "0.17 drops the closing quote after the map's type",
  'BEGIN { @ = hist(1); @ = lhist(1,0,10,1); }':
    "0.17 drops the closing quote after the map's type",
  'BEGIN { @x = kstack; @x = ustack; }': "0.17 drops the closing quote after the map's type",
  'BEGIN { @ = count(); if (@ > 1) {} }': "0.17's span includes the if's parenthesis",
  'BEGIN { @ = args->x; }': "0.17's message lacks a space and says 'special' instead of the probe",
  'BEGIN { if ("a") {} }': '0.17 reports this at 1:1-1 with no caret; bpfq points at the condition',
  'BEGIN { @ = ctx; }': "0.17 says 'invalid program type' in BEGIN only; bpfq says why everywhere",
  'BEGIN /comm/ {}': "0.17's span includes the predicate's slashes",
  'BEGIN { @ = (*curtask)->pid; }': "0.17's span starts at the parenthesis",
  'foo:bar { }': '0.17 aborts with "FATAL: Invalid probe type made it to attachpoint parser"',
  'begin { }': '0.17 aborts with "FATAL: Invalid probe type made it to attachpoint parser"',
  'BEGIN { } BEGIN { }': "0.17's span includes the blank before the second BEGIN",
  'BEGIN { $x = 1; if (curtask) { @c = count(); } }':
    '0.17 reports this at 1:1-1 with no caret; bpfq points at the condition',
  'BEGIN { @x = 1; @x = curtask; }': "0.17 drops the closing quote after the map's type",
  'tracepoint:syscalls:sys_enter_openat { if (ctx / (uint8)1 & nsecs) { @c = count(); } }':
    "0.17's span starts at the parenthesis before ctx",
  'tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = hist(args->retval); }':
    '0.17 points at the enclosing hist() call, bpfq at the field access',
  'tracepoint:sched:sched* { @[name] = count(); } interval:s:5 { exit(); }':
    '0.17 points at the enclosing map access, bpfq at the identifier',
  'BEGIN { @ = kstack(raw); }': '0.17 points at the call, bpfq at the mode name',
  'profile:hz:99 { @[stack] = count(); }':
    '0.17 points at the enclosing map access, bpfq at the identifier',
  'tracepoint:sched:sched_switch { @[stack] = count(); }':
    '0.17 points at the enclosing map access, bpfq at the identifier',
};

describe('diagnostics against bpftrace 0.17', () => {
  for (const c of cases) {
    it(`${c.code}: ${c.program.replace(/\n/g, '⏎')}`, () => {
      const source = { name: 'stdin', text: c.program };
      const r = run(c.program, { params: c.args });
      const d = r.diagnostics[0];
      assert.ok(d, 'a diagnostic');
      assert.equal(d.code, c.code);
      if (DIFFERENT[c.program] === undefined) {
        assert.equal(formatDiagnostic(d, source), c.bpftrace);
      } else {
        // Same line and severity as bpftrace, where bpftrace gave one.
        const m = /^stdin:(\d+):\d+-\d+: (ERROR|WARNING)/.exec(c.bpftrace);
        if (m) {
          assert.equal(d.span.line, Number(m[1]));
          assert.equal(d.severity === 'error' ? 'ERROR' : 'WARNING', m[2]);
        }
      }
    });
  }

  it('matches bpftrace exactly for most cases', () => {
    const exact = cases.filter((c) => DIFFERENT[c.program] === undefined).length;
    assert.ok(exact >= 100, `${exact} exact cases`);
  });
});
