// Programs the compiler accepts and the kernel's verifier rejects, run with bin/bpfq as a user
// would and with bpftrace 0.17 on the same kernel: both refuse to run them and exit 255, and
// bpfq says why in the verifier's words, at which instruction, and from which line of the
// script. Nothing stays loaded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, snapshot } from './runtime-helpers.js';

function run(cmd: string, program: string): { stderr: string; status: number | null } {
  const r = spawnSync(cmd, ['-e', program], { encoding: 'utf8', timeout: 120_000 });
  return { stderr: r.stderr, status: r.status };
}

const cases = [
  {
    name: 'an unbounded loop (EINVAL: infinite loop detected)',
    program: 'BEGIN { while (1) { @x++; } }',
    reason: /^ {2}infinite loop detected at insn \d+$/m,
    from: 'from stdin:1:21',
  },
  {
    // The kernel answers EFAULT here, not EINVAL: bpfq must still fetch and show the log.
    name: 'a bounded loop with too many branches to explore (EFAULT)',
    program: 'BEGIN { $i = 0; while ($i < 100000000) { @x++; $i++; } }',
    reason: /^ {2}The sequence of \d+ jumps is too complex\.$/m,
    from: 'from stdin:1:42',
  },
];

describe('programs the verifier rejects', needs('bpf', 'tracefs', 'bpftrace'), () => {
  for (const c of cases) {
    it(`${c.name}: bpftrace 0.17 and bpfq both refuse it; bpfq shows why and where`, () => {
      const oracle = run('bpftrace', c.program);
      assert.equal(oracle.status, 255, oracle.stderr);
      assert.match(oracle.stderr, /Error loading program: BEGIN/);

      const before = snapshot();
      const r = run(bpfqBin, c.program);
      assert.equal(r.status, 255, r.stderr);
      assert.match(r.stderr, /^ERROR: Error loading program: BEGIN$/m);
      assert.match(r.stderr, /^the kernel's verifier rejected BEGIN: .+ \(-\d+\)$/m);
      assert.match(r.stderr, c.reason);
      assert.match(r.stderr, /^ {2}at instruction \d+: \([0-9a-f]{2}\) /m);
      assert.ok(r.stderr.includes(`  ${c.from}\n  ${c.program}\n`), r.stderr);
      assertNothingLeft(before, ['BEGIN']);
    });
  }
});
