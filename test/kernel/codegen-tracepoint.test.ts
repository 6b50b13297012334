// Tracepoint `args` on the kernel, run through bin/bpfq with `-c`: blocks over several events
// read each event's own field offset, and execve's `argv` is a `char **`. Expected text is
// what bpftrace 0.17 printed for the same program and command on this machine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { bpfqBin } from '../support/differential.js';
import { assertNothingLeft, snapshot, type KernelSnapshot } from './runtime-helpers.js';

function bpfq(program: string, command: string): string {
  const r = spawnSync(bpfqBin, ['-e', program, '-c', command], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe(
  'tracepoint args on the kernel print what bpftrace 0.17 prints',
  needs('bpf', 'tracefs'),
  () => {
    let start: KernelSnapshot;
    let dir = '';
    before(() => {
      start = snapshot();
      dir = mkdtempSync(join(tmpdir(), 'bpfq-tp-'));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
      assertNothingLeft(start);
    });

    it('reads flags at 24 in sys_enter_pipe2 and at 32 in sys_enter_openat from one block', () => {
      // O_DIRECT (0x4000) and O_NOFOLLOW (0x20000) are flags the interpreter itself never uses.
      const script = join(dir, 'flags.py');
      writeFileSync(
        script,
        'import os\nos.pipe2(os.O_DIRECT)\nos.pipe2(os.O_DIRECT)\n' +
          'os.open("/etc/hostname", os.O_RDONLY | os.O_NOCTTY | os.O_NOFOLLOW)\n',
      );
      const out = bpfq(
        'tracepoint:syscalls:sys_enter_pipe2,tracepoint:syscalls:sys_enter_openat ' +
          '/pid == cpid && (args->flags & 0x24000) != 0/ { @[probe, args->flags] = count(); @s = sum(args->flags); }',
        `/usr/bin/python3 -S ${script}`,
      );
      assert.equal(
        out,
        'Attaching 2 probes...\n\n\n' +
          '@[tracepoint:syscalls:sys_enter_openat, 655616]: 1\n' +
          '@[tracepoint:syscalls:sys_enter_pipe2, 16384]: 2\n' +
          '@s: 688384\n',
      );
    });

    it('reads execve argv as a char ** (str(*args->argv), str(args->argv[i]))', () => {
      const out = bpfq(
        'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s %s %s\\n", str(*args->argv), str(args->argv[0]), str(args->argv[1])); }',
        '/bin/true hello',
      );
      assert.equal(out, 'Attaching 1 probe...\n/bin/true /bin/true hello\n\n\n');
    });
  },
);
