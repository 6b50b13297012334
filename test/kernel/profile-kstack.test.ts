// profile sampling with kernel stacks as map keys: the samples come back symbolised from
// /proc/kallsyms, in 0.17's map-key layout (4-space frames, `]` on its own line).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, snapshot } from './runtime-helpers.js';

describe('profile with kstack keys', needs('bpf'), () => {
  it('samples symbolised kernel stacks', () => {
    const snap = snapshot();
    // Kernel work to sample while the probe runs: a shell reading /proc in a loop.
    const busy = spawn(
      'sh',
      ['-c', 'while :; do cat /proc/self/status /proc/meminfo >/dev/null; done'],
      {
        stdio: 'ignore',
      },
    );
    try {
      const r = spawnSync(
        bpfqBin,
        ['-e', 'profile:hz:997 { @[kstack] = count(); } interval:ms:800 { exit(); }'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Attaching 2 probes\.\.\.\n\n\n@\[\n/);
      const names = new Set(
        readFileSync('/proc/kallsyms', 'utf8')
          .split('\n')
          .map((l) => l.split(' ')[2]),
      );
      const frames = [...r.stdout.matchAll(/^ {4}(\S+)\+(\d+)$/gm)].map((m) => m[1]!);
      assert.ok(frames.length >= 3, `too few symbolised frames:\n${r.stdout.slice(0, 2000)}`);
      const known = frames.filter((f) => names.has(f));
      // Every frame names a kernel symbol (a BPF program's frame may show as an address).
      assert.ok(
        known.length >= frames.length - 2,
        `unknown frames: ${frames.filter((f) => !names.has(f)).join(', ')}`,
      );
      assert.match(r.stdout, /^\]: \d+$/m);
    } finally {
      busy.kill('SIGKILL');
    }
    assertNothingLeft(snap);
  });
});
