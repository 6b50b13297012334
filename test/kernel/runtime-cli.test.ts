// bin/bpfq run as a user runs it: exit statuses, where each piece of output goes, Ctrl-C,
// -c, -p, -o, -d, -q, -v, --info, and that a finished run leaves nothing loaded.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, snapshot, workloadBinary } from './runtime-helpers.js';

function bpfq(
  args: string[],
  input?: string,
): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(bpfqBin, args, { encoding: 'utf8', input: input ?? '', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Starts bpfq, waits for `Attaching`, then sends SIGINT after `ms`. */
function interrupted(
  args: string[],
  ms: number,
  during?: (pid: number) => void,
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bpfqBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('Attaching')) {
        sent = true;
        // Attaching is printed before the probes attach: give them a moment.
        setTimeout(() => {
          during?.(child.pid!);
          setTimeout(() => child.kill('SIGINT'), ms);
        }, 300);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

describe('bpfq run', needs('bpf', 'tracefs', 'cc'), () => {
  let wl = '';
  before(() => {
    wl = workloadBinary();
  });

  it('prints Attaching, events, two newlines and the maps; exits 0', () => {
    const before = snapshot();
    const r = bpfq(['-e', 'BEGIN { printf("hi %s\\n", "there"); @x[1] = 2; @a = 3; exit(); }']);
    assert.equal(r.stdout, 'Attaching 1 probe...\nhi there\n\n\n@a: 3\n@x[1]: 2\n');
    assert.equal(r.status, 0);
    assertNothingLeft(before, ['BEGIN', 'END', 'sys_enter_getppid', 'vfs_read']);
  });

  it('-c runs the command with cpid set and ends when it ends', () => {
    const r = bpfq([
      '-c',
      `${wl} 17`,
      '-e',
      'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @calls = count(); } END { printf("cpid>0 %d\\n", cpid > 0); }',
    ]);
    assert.equal(r.stdout, 'Attaching 2 probes...\ncpid>0 1\n\n\n@calls: 17\n');
    assert.equal(r.status, 0);
  });

  it(
    "-c: Attaching and BEGIN output come before the command's own output, as in bpftrace",
    needs('bpftrace'),
    () => {
      // The child shares stdout (a pipe here): 0.17 holds it until BEGIN's output is written.
      const args = ['-c', '/bin/echo from-the-child', '-e', 'BEGIN { printf("begin\\n"); }'];
      const theirs = spawnSync('bpftrace', args, { encoding: 'utf8', timeout: 60_000 });
      assert.equal(theirs.status, 0, theirs.stderr);
      for (let i = 0; i < 5; i++) {
        const ours = bpfq(args);
        assert.equal(ours.status, 0, ours.stderr);
        assert.equal(ours.stdout, theirs.stdout, `run ${i}`);
      }
    },
  );

  it('-c with a missing command fails as bpftrace does', () => {
    const r = bpfq(['-c', 'no-such-command-bpfq', '-e', 'BEGIN { exit(); }']);
    assert.equal(r.status, 255);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      "ERROR: Failed to fork child: path 'no-such-command-bpfq' does not exist or is not executable\n",
    );
  });

  it('-l and -lv list what bpftrace lists', needs('bpftrace'), () => {
    for (const args of [
      ['-l', 'tracepoint:syscalls:sys_enter_getpp*'],
      ['-lv', 'tracepoint:syscalls:sys_enter_write'],
    ]) {
      const ours = bpfq(args);
      const theirs = spawnSync('bpftrace', args, { encoding: 'utf8' });
      assert.equal(ours.status, 0);
      assert.ok(ours.stdout.length > 0);
      assert.equal(ours.stdout, theirs.stdout, args.join(' '));
    }
  });

  it('SIGINT detaches, runs END and prints the maps', async () => {
    const before = snapshot();
    const r = await interrupted(
      [
        '-e',
        `tracepoint:syscalls:sys_enter_getppid /comm == "runtime-workloa"/ { @n = count(); } END { printf("end\\n"); }`,
      ],
      200,
      () => spawnSync(wl, ['9']),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Attaching 2 probes...\nend\n\n\n@n: 9\n');
    assertNothingLeft(before, ['BEGIN', 'END', 'sys_enter_getppid', 'vfs_read']);
  });

  it('SIGUSR1 prints the maps while running, as bpftrace 0.17', async () => {
    const r = await interrupted(['-e', 'BEGIN { @a = 1; @b[2] = 3; }'], 300, (pid) =>
      process.kill(pid, 'SIGUSR1'),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Attaching 1 probe...\n@a: 1\n@b[2]: 3\n\n\n@a: 1\n@b[2]: 3\n');
  });

  it('-f json writes NDJSON; -o sends records to the file and the blank lines to stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-o-'));
    try {
      const file = join(dir, 'out.json');
      const r = bpfq(['-f', 'json', '-o', file, '-e', 'BEGIN { printf("x\\n"); @a = 1; exit(); }']);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, '\n\n');
      assert.equal(
        readFileSync(file, 'utf8'),
        '{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "printf", "data": "x\\n"}\n{"type": "map", "data": {"@a": 1}}\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('-q drops Attaching; positional parameters and a program from stdin work', () => {
    const r = bpfq(['-q', '-', 'abc', '7'], 'BEGIN { printf("%s %d\\n", str($1), $2); exit(); }');
    assert.equal(r.stdout, 'abc 7\n\n\n');
    assert.equal(r.status, 0);
  });

  it('a compile error exits 1 with the diagnostic on stderr and loads nothing', () => {
    const before = snapshot();
    const r = bpfq(['-e', 'BEGIN { @ = hist(); }']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'stdin:1:13-19: ERROR: hist() requires one argument (0 provided)\nBEGIN { @ = hist(); }\n            ~~~~~~\n',
    );
    assertNothingLeft(before, ['BEGIN', 'END', 'sys_enter_getppid', 'vfs_read']);
  });

  it('a probe that cannot attach exits 255 naming it', () => {
    const before = snapshot();
    const r = bpfq(['-e', 'kprobe:vfs_read { @ = count(); }']);
    assert.equal(r.status, 255);
    assert.equal(r.stdout, 'Attaching 1 probe...\n');
    assert.match(r.stderr, /ERROR: Error attaching probe: 'kprobe:vfs_read'/);
    assert.match(r.stderr, /kprobes are not supported by this kernel/);
    assertNothingLeft(before, ['BEGIN', 'END', 'sys_enter_getppid', 'vfs_read']);
  });

  it('-d prints the program, its code and the artifact, and never runs -c', () => {
    const before = snapshot();
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-d-'));
    try {
      const marker = join(dir, 'ran');
      const r = bpfq([
        '-d',
        '-c',
        `/usr/bin/touch ${marker}`,
        '-e',
        'BEGIN { @c = count(); exit(); }',
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Disassembly of BEGIN/);
      assert.match(r.stdout, /call bpf_/);
      assert.match(r.stdout, /"format": "bpfq-artifact"/);
      assert.equal(spawnSync('test', ['-e', marker]).status, 1, '-d ran the -c command');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assertNothingLeft(before, ['BEGIN', 'END', 'sys_enter_getppid', 'vfs_read']);
  });

  it('-v shows the verifier log and the attachments on stderr', () => {
    const r = bpfq([
      '-v',
      '-e',
      'tracepoint:syscalls:sys_enter_getppid { @ = count(); } interval:ms:50 { exit(); }',
    ]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /verifier log/);
    assert.match(r.stderr, /processed \d+ insns/);
    assert.match(r.stderr, /tracepoint id \d+: perf_event fd \d+/);
  });

  it('-p ends the run when the process exits', async () => {
    const target = spawn('sleep', ['1.5']);
    const r = bpfq(['-p', String(target.pid), '-e', 'interval:ms:100 { @ticks = count(); }']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Attaching 1 probe...\n\n\n@ticks: \d+\n$/);
  });

  it('-p attaches USDT probes to that process and ends with it', async () => {
    const target = spawn(wl, ['6', 'wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const r = await new Promise<{ stdout: string; status: number | null }>((resolve, reject) => {
      const child = spawn(bpfqBin, [
        '-v',
        '-p',
        String(target.pid),
        '-e',
        `usdt:${wl}:bpfq:tick { @ticks = count(); @sum = sum(arg0); }`,
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Let the workload run once the probe is attached.
        if (/probes attached; tracing/.test(stderr)) target.stdin!.end('go\n');
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ stdout, status }));
    });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, 'Attaching 1 probe...\n\n\n@sum: 15\n@ticks: 6\n');
  });

  it('a missing program file fails as bpftrace does', () => {
    const r = bpfq(['/nonexistent/bpfq-test.bt']);
    assert.equal(r.status, 255);
    assert.equal(
      r.stderr,
      "ERROR: failed to open file '/nonexistent/bpfq-test.bt': No such file or directory\n",
    );
  });

  it('-p of a process that does not exist fails as bpftrace does', () => {
    const r = bpfq(['-p', '999999999', '-e', 'BEGIN { exit(); }']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'ERROR: : No such process\n');
  });

  it('--info reports the kernel features', () => {
    const r = bpfq(['--info']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Kernel helpers$/m);
    assert.match(r.stdout, /^ {2}perf_event_array: yes$/m);
    assert.match(r.stdout, /^ {2}kprobe attach: (yes|no)$/m);
  });
});
