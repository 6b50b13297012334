// Generated programs run on the kernel (BEGIN through BPF_PROG_TEST_RUN, via the runtime)
// and print exactly what bpftrace 0.17 printed for the same program (fixtures captured by
// test/fixtures/codegen/capture.sh), plus bpfq's documented fixes of 0.17's hist and
// min/max bugs, which 0.17 cannot serve as the oracle for.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../compiler/compile.js';
import { formatDiagnostics } from '../../compiler/diagnostics.js';
import { NodeHost } from '../../host/node-host.js';
import { runSession } from '../../worker/runtime/index.js';
import { renderText } from '../../worker/output/render.js';
import { needs } from '../support/needs.js';
import { assertNothingLeft, repoRoot, snapshot, type KernelSnapshot } from './runtime-helpers.js';

const FIXTURES = join(repoRoot, 'test/fixtures/codegen');

async function run(text: string): Promise<string> {
  const r = compile(text, {}, new NodeHost());
  assert.ok(r.artifact, formatDiagnostics(r.diagnostics, { name: 'stdin', text }));
  const result = await runSession(r.artifact, { durationMs: 5000 });
  assert.equal(result.end, 'exit');
  return renderText(result.output);
}

describe('generated programs print what bpftrace 0.17 prints', needs('bpf'), () => {
  let start: KernelSnapshot;
  before(() => {
    start = snapshot();
  });
  after(() => {
    assertNothingLeft(start);
  });

  const cases = readFileSync(join(FIXTURES, 'programs.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [name, program] = l.split('\t') as [string, string];
      return { name, program };
    });

  for (const c of cases) {
    it(c.name, async () => {
      const expected = readFileSync(
        join(FIXTURES, 'expected', `${c.name.replaceAll(' ', '-')}.txt`),
        'utf8',
      );
      assert.equal(await run(c.program), expected);
    });
  }

  it('hist buckets values at and above 2^32 correctly (0.17 put them all in [2G, 4G))', async () => {
    const out = await run(
      'BEGIN { @h = hist(1 << 32); @h = hist(1 << 40); @h = hist(0x7fffffffffffffff); exit(); }',
    );
    assert.match(out, /^\[4G, 8G\) +1 \|/m);
    assert.match(out, /^\[1T, 2T\) +1 \|/m);
    assert.doesNotMatch(out, /^\[2G, 4G\) +[1-9]/m);
  });

  it('min and max keep negative and large values (0.17 lost them)', async () => {
    const out = await run(
      'BEGIN { @mx = max(-5); @mx = max(-7); @mn = min(5000000000); @mn = min(6000000000); exit(); }',
    );
    assert.match(out, /^@mx: -5$/m);
    assert.match(out, /^@mn: 5000000000$/m);
  });
});
