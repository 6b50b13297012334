// The front end against the real machine (host/node-host.ts): the tool-style programs and
// the article's programs check with the kernel's own tracepoint formats, BTF and libraries,
// and the article's USDT example checks against a binary built here from its source.
// check() is pure: it loads nothing, which the last test verifies with bpftool.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../compiler/check.js';
import { formatDiagnostics } from '../../compiler/diagnostics.js';
import { nodeHost } from '../../host/node-host.js';
import { needs } from '../support/needs.js';

const PROGRAMS = new URL('../../../test/fixtures/front/programs/', import.meta.url);

// The article's USDT example, as its text gives it.
const TRACETEST_C = `#include <sys/sdt.h>
#include <sys/time.h>
#include <unistd.h>

static long myclock(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    DTRACE_PROBE1(tracetest, testprobe, tv.tv_sec);
    return tv.tv_sec;
}

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    while (1) {
        myclock();
        sleep(1);
    }
    return 0;
}
`;

function ourPrograms(): number[] {
  const out = execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
  const progs = JSON.parse(out) as { id: number; pids?: { pid: number }[] }[];
  return progs.filter((p) => p.pids?.some((x) => x.pid === process.pid)).map((p) => p.id);
}

describe('front end on this machine', needs('bpf', 'tracefs', 'cc'), () => {
  let dir = '';
  let tracetest = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfq-front-'));
    writeFileSync(join(dir, 'tracetest.c'), TRACETEST_C);
    tracetest = join(dir, 'tracetest');
    execFileSync('cc', ['-O1', '-o', tracetest, join(dir, 'tracetest.c')]);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('checks every tool-style program', () => {
    const host = nodeHost();
    const files = readdirSync(PROGRAMS).filter((f) => f.endsWith('.bt'));
    assert.ok(files.length >= 19);
    for (const f of files) {
      const text = readFileSync(new URL(f, PROGRAMS), 'utf8');
      const r = check({ name: f, text }, {}, host);
      assert.ok(r.program, formatDiagnostics(r.diagnostics, { name: f, text }));
      assert.ok(
        r.program.probes.every((p) => p.targets.length > 0),
        f,
      );
    }
  });

  it('reads real tracepoint layouts', () => {
    const r = check(
      {
        name: 'stdin',
        text: 'tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }',
      },
      {},
      nodeHost(),
    );
    assert.ok(r.program);
    const tp = r.program.probes[0]?.targets[0]?.tracepointArgs;
    // The format file of this kernel: the 8-byte common header, __syscall_nr, then the args.
    assert.deepEqual(
      tp?.fields.map((f) => [f.name, f.offset]),
      [
        ['common_type', 0],
        ['common_flags', 2],
        ['common_preempt_count', 3],
        ['common_pid', 4],
        ['__syscall_nr', 8],
        ['dfd', 16],
        ['filename', 24],
        ['flags', 32],
        ['mode', 40],
      ],
    );
  });

  it('checks the article programs, the USDT one against a binary built from its source', () => {
    const host = nodeHost();
    const programs = [
      'BEGIN { printf("hello world\\n"); }',
      'tracepoint:syscalls:sys_enter_open { printf("%s %s\\n", comm, str(args->filename)); }',
      'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
      'kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }',
      'kprobe:vfs_read { @start[tid] = nsecs; }\n kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }',
      'tracepoint:block:block_rq_complete { @ = hist(args->nr_sector * 512); }',
      `usdt:${tracetest}:testprobe { printf("%d: time is %d\\n", pid, arg0); }`,
      'tracepoint:syscalls:sys_enter_madvise /args->behavior == 4/ { printf("madvise DONTNEED called\\n"); }',
      'BEGIN { printf("%d\\n", curtask->real_parent->pid); exit(); }',
      'uprobe:libc:malloc { @[comm] = sum(arg0); }',
    ];
    for (const text of programs) {
      const r = check({ name: 'stdin', text }, {}, host);
      assert.ok(r.program, formatDiagnostics(r.diagnostics, { name: 'stdin', text }));
    }
    const usdt = check(
      { name: 'stdin', text: `usdt:${tracetest}:testprobe { @ = arg0; }` },
      {},
      host,
    );
    const target = usdt.program?.probes[0]?.targets[0];
    assert.equal(target?.name, `usdt:${tracetest}:tracetest:testprobe`);
    assert.equal(target?.usdt?.args.length, 1);
    // A library by name resolves to the file the dynamic linker would use.
    const malloc = check({ name: 'stdin', text: 'uprobe:libc:malloc { }' }, {}, host);
    const attach = malloc.program?.probes[0]?.targets[0]?.attach;
    assert.ok(attach?.kind === 'uprobe');
    assert.match(attach.path, /\/libc\.so\.6$/);
    assert.ok(BigInt(attach.fileOffset) > 0n);
  });

  it('loads nothing into the kernel', () => {
    const host = nodeHost();
    check(
      { name: 'stdin', text: 'tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }' },
      {},
      host,
    );
    assert.deepEqual(ourPrograms(), []);
  });
});
