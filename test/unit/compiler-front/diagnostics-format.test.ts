// formatDiagnostic against what bpftrace 0.17 printed for script files
// (test/fixtures/front/format/*.bt and their .out, captured by capture.sh there).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import {
  formatDiagnostic,
  formatDiagnostics,
  type Diagnostic,
} from '../../../compiler/diagnostics.js';
import { FakeHost } from '../../support/fake-host.js';

const DIR = new URL('../../../../test/fixtures/front/format/', import.meta.url);

/** 0.17 drops the closing quote after a map's type in this message; bpfq prints it. */
function withClosingQuote(text: string): string {
  return text.replace(/(when map already contains a value of type '[^'\n]*)\n/g, "$1'\n");
}

describe('formatDiagnostic', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.bt'));
  it('has the captured cases', () => assert.ok(files.length >= 5));

  for (const f of files) {
    it(`prints ${f} as bpftrace does`, () => {
      const text = readFileSync(new URL(f, DIR), 'utf8');
      const expected = withClosingQuote(
        readFileSync(new URL(f.replace(/\.bt$/, '.out'), DIR), 'utf8'),
      );
      const r = check({ name: f, text }, {}, new FakeHost());
      assert.equal(formatDiagnostics(r.diagnostics, { name: f, text }), expected);
    });
  }

  it('prints hints after the caret line and warnings as WARNING', () => {
    const d: Diagnostic = {
      code: 'W4001',
      severity: 'warning',
      message: 'm',
      span: { line: 2, column: 3, endLine: 2, endColumn: 6 },
      hints: ['try this'],
    };
    assert.equal(
      formatDiagnostic(d, { name: 'x.bt', text: 'a\nbcdefg\n' }),
      'x.bt:2:3-6: WARNING: m\nbcdefg\n  ~~~\nHINT: try this\n',
    );
  });

  it('suggests close names for unknown functions, identifiers and probe types', () => {
    const hints = (text: string) =>
      check({ name: 'stdin', text }, {}, new FakeHost()).diagnostics.map((d) => d.hints ?? []);
    assert.deepEqual(hints('BEGIN { @ = cont(); }'), [["did you mean 'count'?"]]);
    assert.deepEqual(hints('BEGIN { @[stack] = count(); }'), [["did you mean 'kstack'?"]]);
    assert.deepEqual(hints('begin { }'), [["did you mean 'BEGIN'?"]]);
    assert.deepEqual(hints('BEGIN { @ = zzzzzz(); }'), [[]]);
  });

  it('underlines at least one column, also at the end of the text', () => {
    const d: Diagnostic = {
      code: 'E1002',
      severity: 'error',
      message: 'unexpected end of file, expected {',
      span: { line: 1, column: 6, endLine: 1, endColumn: 6 },
    };
    assert.equal(
      formatDiagnostic(d, { name: 'stdin', text: 'BEGIN' }),
      'stdin:1:6-7: ERROR: unexpected end of file, expected {\nBEGIN\n     ~\n',
    );
  });
});
