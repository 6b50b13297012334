// uprobe `args` from DWARF where bpfq goes past bpftrace 0.17, on the kernel: parameters 7
// and 8 read from the user stack (0.17 fails to compile any `args` of such a function),
// narrow parameters whose registers carry other bits above them (0.17 reads the whole
// register), parameters after a struct passed by value and a double (0.17 counts one
// register per parameter). The expected values are the arguments uprobe-dwarf-args.c
// passes, not any tool's output.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, repoRoot, snapshot } from './runtime-helpers.js';

describe('uprobe args from DWARF beyond 0.17', needs('bpf', 'cc'), () => {
  let dir = '';
  let bin = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfq-dwarf-args-'));
    bin = join(dir, 'uprobe-dwarf-args');
    // No red zone: call_narrow calls from inline assembly.
    execFileSync('cc', [
      '-O2',
      '-g',
      '-mno-red-zone',
      '-o',
      bin,
      join(repoRoot, 'test/kernel/uprobe-dwarf-args.c'),
    ]);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads stack-passed, narrowed and after-aggregate parameters', () => {
    const snap = snapshot();
    const program = [
      `uprobe:${bin}:many { printf("many %ld %ld %ld %ld\\n", args->a1, args->a6, args->a7, args->a8); }`,
      `uprobe:${bin}:narrow { printf("narrow %ld %ld %ld %ld\\n", args->s, args->c, args->i, args->s + args->c + args->i); }`,
      `uprobe:${bin}:mixed { printf("mixed %d %ld\\n", args->k, args->l); }`,
    ].join(' ');
    const out = execFileSync(bpfqBin, ['-e', program, '-c', bin], { encoding: 'utf8' });
    assert.equal(
      out,
      [
        'Attaching 3 probes...',
        'many 1 6 7 -8',
        'narrow -2 -3 -4 -9',
        'mixed 30 40',
        'many 1 6 8 -9',
        'narrow -2 -3 -4 -9',
        'mixed 31 40',
        '',
        '',
        '',
      ].join('\n'),
    );
    assertNothingLeft(snap);
  });
});
