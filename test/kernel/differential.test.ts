// bpfq against bpftrace 0.17: every program in differential-cases.ts runs under both, with
// the same -c workload, and stdout (and the exit status) must match byte for byte.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/needs.js';
import { inParallel, runTool, type ToolRun } from '../support/differential.js';
import { DIFF_CASES } from './differential-cases.js';
import { workloadBinary } from './runtime-helpers.js';

describe(
  'differential: bpfq prints what bpftrace 0.17 prints',
  needs('bpf', 'tracefs', 'bpftrace', 'cc'),
  () => {
    const results = new Map<string, { bpftrace: ToolRun; bpfq: ToolRun }>();

    before(async () => {
      const wl = workloadBinary();
      // Both tools trace only their own -c child, so cases run side by side safely.
      const runs = await inParallel(DIFF_CASES, 3, async (c) => {
        const [bpftrace, bpfq] = await Promise.all([
          runTool('bpftrace', c, wl),
          runTool('bpfq', c, wl),
        ]);
        return { bpftrace, bpfq };
      });
      DIFF_CASES.forEach((c, i) => results.set(c.name, runs[i]!));
    });

    it('has enough programs to mean something', () => {
      assert.ok(DIFF_CASES.length >= 40, `${DIFF_CASES.length} cases`);
      assert.equal(
        new Set(DIFF_CASES.map((c) => c.name)).size,
        DIFF_CASES.length,
        'case names are unique',
      );
    });

    for (const c of DIFF_CASES) {
      it(`${c.name}${c.format === 'json' ? ' (json)' : ''}`, () => {
        const r = results.get(c.name);
        assert.ok(r, 'not run');
        assert.equal(
          r.bpfq.stdout,
          r.bpftrace.stdout,
          `stdout differs; bpfq stderr:\n${r.bpfq.stderr}`,
        );
        assert.equal(
          r.bpfq.status,
          r.bpftrace.status,
          `exit status differs; bpfq stderr:\n${r.bpfq.stderr}`,
        );
        if (c.compareStderr) assert.equal(r.bpfq.stderr, r.bpftrace.stderr);
      });
    }
  },
);
