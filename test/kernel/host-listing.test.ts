// `bpfq -l` against `bpftrace -l` run now on this machine, and USDT notes of a binary
// built now with <sys/sdt.h> against `readelf -n`.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ListError, listProbes } from '../../cli/list.js';
import { ElfFile } from '../../host/elf.js';
import { NodeHost } from '../../host/node-host.js';
import { usdtProbesOf } from '../../host/usdt-notes.js';
import { needs } from '../support/needs.js';
import { HOST_FIXTURES, assertNoBpfFds, parseReadelfNotes } from '../unit/host-fixtures.js';

function bpftraceList(pattern: string, verbose: boolean): { stdout: string; stderr: string } {
  const r = spawnSync('bpftrace', [verbose ? '-lv' : '-l', pattern], { encoding: 'utf8' });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => !l.includes('RLIMIT_MEMLOCK'))
    .join('\n');
  return { stdout: r.stdout, stderr };
}

describe('listing equals bpftrace -l on this machine', needs('bpftrace', 'tracefs'), () => {
  const host = new NodeHost();
  const demo = `${HOST_FIXTURES}usdt-demo`;
  const cases: [string, boolean][] = [
    ['tracepoint:syscalls:sys_enter_open*', false],
    ['t:sched:*', false],
    ['*sched_switch*', false],
    ['tracepoint:syscalls:sys_enter_openat', true],
    ['tracepoint:sched:sched_switch', true],
    ['tracepoint:irq:*', true],
    ['uprobe:/bin/bash:rea*', false],
    ['uprobe:bash:rea*', false],
    ['uprobe:libc:mall*', false],
    ['uprobe:libc:*', false],
    ['uprobe:libc:__libc_malloc', true],
    ['uprobe:libc:*open*', true],
    ['uprobe:/usr/bin/bpftrace:*', false],
    [`usdt:${demo}:*`, false],
    [`usdt:${demo}:demo:args*`, false],
    [`*:${demo}:w*`, false],
    [`uprobe:${HOST_FIXTURES}libsymbols-demo.so:*`, false],
    ['uprobe:/nonexistent/binary:*', false],
  ];
  for (const [pattern, verbose] of cases) {
    it(`${verbose ? '-lv' : '-l'} ${pattern}`, () => {
      const theirs = bpftraceList(pattern, verbose);
      let ours = '';
      let error = '';
      const warnings: string[] = [];
      try {
        ours = listProbes(pattern, { verbose, warn: (l) => warnings.push(l) }, host);
      } catch (err) {
        assert.ok(err instanceof ListError);
        error = err.message;
      }
      assert.equal(ours, theirs.stdout);
      assert.equal((error + warnings.join('\n')).trim(), theirs.stderr.trim());
    });
  }
});

describe('listing USDT probes of a process (-p) equals bpftrace', needs('bpftrace'), () => {
  it('names the files through /proc/PID/root', async () => {
    const host = new NodeHost();
    const demo = `${HOST_FIXTURES}usdt-demo`;
    const child = spawn(demo, ['100000', '20'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 150));
      const pid = child.pid;
      assert.ok(pid);
      for (const pattern of ['usdt:*', 'usdt:*:demo:args*', `usdt:${demo}:*`]) {
        const theirs: SpawnSyncReturns<string> = spawnSync(
          'bpftrace',
          ['-l', pattern, '-p', String(pid)],
          {
            encoding: 'utf8',
          },
        );
        const ours = listProbes(pattern, { pid }, host);
        assert.ok(ours.includes(`/proc/${pid}/root`), pattern);
        assert.equal(ours, theirs.stdout, pattern);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('-lv of a binary built now with DWARF equals bpftrace', needs('bpftrace', 'cc'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-dwarf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const flags of [
    ['-g', '-O2'],
    ['-g', '-O0'],
    ['-gdwarf-4', '-O1'],
  ]) {
    it(`gcc ${flags.join(' ')}`, () => {
      const out = join(dir, `demo${flags.join('')}`);
      execFileSync('cc', [...flags, '-o', out, `${HOST_FIXTURES}dwarf-demo.c`]);
      const pattern = `uprobe:${out}:*`;
      const theirs = bpftraceList(pattern, true);
      const warnings: string[] = [];
      const ours = listProbes(
        pattern,
        { verbose: true, warn: (l) => warnings.push(l) },
        new NodeHost(),
      );
      assert.ok(ours.includes('    const char** argv'));
      assert.equal(ours, theirs.stdout);
      assert.equal(warnings.join('\n'), theirs.stderr.trim());
    });
  }
});

describe('USDT notes of a binary built now', needs('cc'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-usdt-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const flags of [['-O2'], ['-O0', '-no-pie', '-fno-pie'], ['-O1', '-fPIC', '-shared']]) {
    it(`matches readelf -n (gcc ${flags.join(' ')})`, () => {
      const out = join(dir, `demo${flags.join('')}`);
      execFileSync('cc', [
        ...flags,
        '-o',
        out,
        `${HOST_FIXTURES}usdt-demo.c`,
        `${HOST_FIXTURES}usdt-semaphore.c`,
      ]);
      const expected = parseReadelfNotes(
        execFileSync('readelf', ['-n', out], { encoding: 'utf8' }),
      );
      const elf = ElfFile.open(out);
      const probes = usdtProbesOf(elf, out);
      assert.equal(probes.length, expected.length);
      assert.ok(probes.length >= 5);
      for (const [i, p] of probes.entries()) {
        const e = expected[i];
        assert.ok(e);
        assert.equal(`${p.provider}:${p.name}`, `${e.provider}:${e.name}`);
        assert.equal(p.args.map((a) => a.spec).join(' '), e.args);
        assert.equal(p.argError, undefined);
        assert.equal(p.fileOffset, elf.vaddrToOffset(e.location));
        if (e.semaphore === 0n) assert.equal(p.semaphoreOffset, 0n);
        else assert.notEqual(p.semaphoreOffset, 0n);
      }
    });
  }
});

after(() => assertNoBpfFds());
