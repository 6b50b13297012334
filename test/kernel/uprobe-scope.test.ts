// -c and -p scope uprobes to one process: another process running the same binary at the
// same time is not counted (the kernel filters a pid-targeted uprobe by the target's mm).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, snapshot, workloadBinary } from './runtime-helpers.js';

function run(
  args: string[],
  onAttached: () => void,
): Promise<{ stdout: string; status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bpfqBin, ['-v', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let fired = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!fired && /probes attached; tracing/.test(stderr)) {
        fired = true;
        onAttached();
      }
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, status, stderr }));
  });
}

function runWorkload(wl: string, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(wl, [String(n)], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('close', () => resolve());
  });
}

describe('uprobe scoping with -c and -p', needs('bpf', 'cc'), () => {
  let wl = '';
  before(() => {
    wl = workloadBinary();
  });

  it('-c counts only the child, not another process running the same binary', async () => {
    const snap = snapshot();
    let other: Promise<void> = Promise.resolve();
    // The child waits on stdin for nothing (none given), so it runs right after attach; the
    // other process runs the same function 50 times while the probe is attached.
    const r = await run(
      ['-c', `${wl} 12`, '-e', `uprobe:${wl}:bpfq_work { @calls = count(); }`],
      () => (other = runWorkload(wl, 50)),
    );
    await other;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Attaching 1 probe...\n\n\n@calls: 12\n');
    assertNothingLeft(snap);
  });

  it('-p counts only that process', async () => {
    const snap = snapshot();
    const target = spawn(wl, ['9', 'wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const r = await run(
      ['-p', String(target.pid), '-e', `uretprobe:${wl}:bpfq_work { @returns = count(); }`],
      () => {
        void runWorkload(wl, 40).then(() => target.stdin!.end('go\n'));
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Attaching 1 probe...\n\n\n@returns: 9\n');
    assertNothingLeft(snap);
  });
});
