// Every construct of the language in programs bpftrace 0.17 accepts (accept-cases.json,
// verdicts captured by capture-accepts.mjs on the reference machine): bpfq accepts them too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatDiagnostics } from '../../../compiler/diagnostics.js';
import { run } from './helpers.js';

interface Case {
  program: string;
  args: string[];
  accepted: boolean;
}

const cases = JSON.parse(
  readFileSync(
    new URL('../../../../test/fixtures/front/accept-cases.json', import.meta.url),
    'utf8',
  ),
) as Case[];

describe('programs bpftrace 0.17 accepts', () => {
  it('were all accepted by bpftrace when captured', () => {
    assert.ok(cases.length >= 60);
    assert.deepEqual(
      cases.filter((c) => !c.accepted).map((c) => c.program),
      [],
    );
  });

  for (const c of cases) {
    it(c.program.replace(/\n/g, '⏎'), () => {
      const params = c.args.filter((a) => !a.startsWith('--'));
      const r = run(c.program, { params, unsafe: c.args.includes('--unsafe') });
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, [], formatDiagnostics(errors, { name: 'stdin', text: c.program }));
      assert.ok(r.program);
    });
  }
});
