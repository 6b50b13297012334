import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeTarget } from '../../../compiler/front/ast.js';
import { at, firstError, ok, run } from './helpers.js';

function targets(text: string): ProbeTarget[] {
  return ok(`${text} { }`).probes[0]?.targets ?? [];
}

describe('resolve probes', () => {
  it('expands every provider and alias into attach targets', () => {
    const cases: [string, string, string][] = [
      ['BEGIN', 'BEGIN', 'raw_tracepoint'],
      ['END', 'END', 'raw_tracepoint'],
      ['t:syscalls:sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat', 'tracepoint'],
      ['rt:sched_switch', 'rawtracepoint:sched_switch', 'raw_tracepoint'],
      ['rawtracepoint:sched_switch', 'rawtracepoint:sched_switch', 'raw_tracepoint'],
      ['k:vfs_read', 'kprobe:vfs_read', 'kprobe'],
      ['kprobe:vfs_read+16', 'kprobe:vfs_read+16', 'kprobe'],
      ['kr:vfs_read', 'kretprobe:vfs_read', 'kprobe'],
      ['u:/bin/bash:readline', 'uprobe:/bin/bash:readline', 'kprobe'],
      ['ur:/bin/bash:readline', 'uretprobe:/bin/bash:readline', 'kprobe'],
      ['uprobe:libc:malloc', 'uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc', 'kprobe'],
      ['U:/tmp/tracetest:testprobe', 'usdt:/tmp/tracetest:tracetest:testprobe', 'kprobe'],
      [
        'usdt:/tmp/tracetest:tracetest:testprobe',
        'usdt:/tmp/tracetest:tracetest:testprobe',
        'kprobe',
      ],
      ['p:hz:99', 'profile:hz:99', 'perf_event'],
      ['i:ms:100', 'interval:ms:100', 'perf_event'],
      ['s:faults', 'software:faults', 'perf_event'],
      ['software:cs:10', 'software:cs:10', 'perf_event'],
      ['h:cycles', 'hardware:cycles', 'perf_event'],
      ['w:0x10000000:8:rw', 'watchpoint:0x10000000:8:rw', 'perf_event'],
      ['kfunc:vfs_read', 'kfunc:vfs_read', 'tracing'],
      ['kretfunc:vfs_read', 'kretfunc:vfs_read', 'tracing'],
    ];
    for (const [text, name, progType] of cases) {
      const [t, ...rest] = targets(text);
      assert.equal(rest.length, 0, text);
      assert.equal(t?.name, name, text);
      assert.equal(t?.progType, progType, text);
    }
  });

  it('fills the attach details code generation and the worker need', () => {
    assert.deepEqual(targets('profile:hz:99')[0]?.attach, {
      kind: 'perf_event',
      probe: 'profile',
      type: 1,
      config: 0,
      cpus: 'all',
      frequency: 99,
    });
    assert.deepEqual(targets('interval:ms:100')[0]?.attach, {
      kind: 'perf_event',
      probe: 'interval',
      type: 1,
      config: 0,
      cpus: 'first',
      period: 100_000_000,
    });
    assert.deepEqual(targets('software:faults')[0]?.attach, {
      kind: 'perf_event',
      probe: 'software',
      type: 1,
      config: 2,
      period: 100,
      cpus: 'all',
    });
    assert.deepEqual(targets('hardware:branches:5')[0]?.attach, {
      kind: 'perf_event',
      probe: 'hardware',
      type: 0,
      config: 4,
      period: 5,
      cpus: 'all',
    });
    assert.deepEqual(targets('uprobe:/bin/bash:readline+4')[0]?.attach, {
      kind: 'uprobe',
      path: '/bin/bash',
      func: 'readline',
      fileOffset: String(0xd5e60 + 4),
    });
    assert.deepEqual(targets('watchpoint:0x1000:4:w')[0]?.attach, {
      kind: 'watchpoint',
      address: '4096',
      length: 4,
      mode: 'w',
    });
    const usdt = targets('usdt:/tmp/libc:memory_arena_new')[0];
    assert.deepEqual(usdt?.attach, {
      kind: 'usdt',
      path: '/tmp/libc',
      provider: 'libc',
      name: 'memory_arena_new',
      fileOffset: String(0x9a6f4),
      semaphoreOffset: '0',
    });
    assert.equal(usdt?.usdt?.args.length, 2);
    const tp = targets('tracepoint:syscalls:sys_enter_openat')[0];
    assert.deepEqual(tp?.attach, {
      kind: 'tracepoint',
      category: 'syscalls',
      event: 'sys_enter_openat',
    });
    assert.equal(tp?.tracepointArgs?.name, 'struct _tracepoint_syscalls_sys_enter_openat');
  });

  it('expands wildcards against the host', () => {
    const open = targets('tracepoint:syscalls:sys_enter_open*').map((t) => t.name);
    assert.deepEqual(
      open,
      [
        'tracepoint:syscalls:sys_enter_open',
        'tracepoint:syscalls:sys_enter_openat',
        'tracepoint:syscalls:sys_enter_openat2',
        'tracepoint:syscalls:sys_enter_open_by_handle_at',
      ].filter((n) => open.includes(n)),
    );
    assert.ok(open.length >= 3);
    assert.ok(targets('tracepoint:*:sys_enter_openat').length === 1);
    assert.ok(targets('tracepoint:sched:sched_*').length > 10);
    assert.deepEqual(
      targets('kprobe:vfs_*').map((t) => t.name),
      ['kprobe:vfs_read', 'kprobe:vfs_write', 'kprobe:vfs_open', 'kprobe:vfs_fsync_range'],
    );
    assert.deepEqual(
      targets('uprobe:libc:gethostbyname*').map((t) => t.name),
      [
        'uprobe:/lib/x86_64-linux-gnu/libc.so.6:gethostbyname',
        'uprobe:/lib/x86_64-linux-gnu/libc.so.6:gethostbyname2',
      ],
    );
    assert.equal(targets('usdt:/tmp/libc:*').length, 1);
  });

  it('substitutes positional parameters in attach points', () => {
    const p = ok('uprobe:$1:readline, tracepoint:syscalls:$2 { }', {
      params: ['/bin/bash', 'sys_enter_read'],
    });
    assert.deepEqual(
      p.probes[0]?.targets.map((t) => t.name),
      ['uprobe:/bin/bash:readline', 'tracepoint:syscalls:sys_enter_read'],
    );
  });

  it('makes one target per attach point of a block, in order', () => {
    const p = ok('BEGIN, i:s:1, t:syscalls:sys_enter_read { }').probes[0];
    assert.deepEqual(
      p?.targets.map((t) => [t.name, t.attachPoint]),
      [
        ['BEGIN', 0],
        ['interval:s:1', 1],
        ['tracepoint:syscalls:sys_enter_read', 2],
      ],
    );
  });

  it('reports bad attach points with codes and spans', () => {
    const cases: [string, string, [number, number, number]][] = [
      ['foo:bar { }', 'E4001', [1, 1, 8]],
      ['tracepoint:syscalls { }', 'E4002', [1, 1, 20]],
      ['tracepoint:nosuch:thing { }', 'E4003', [1, 1, 24]],
      ['BEGIN { } END { }\nkprobe:vfs_*x* { }', 'E4004', [2, 1, 15]],
      ['uprobe:/bin/nosuch:f { }', 'E4005', [1, 1, 21]],
      ['uprobe:/bin/bash:nosuch { }', 'E4006', [1, 1, 24]],
      ['usdt:/tmp/tracetest:nope { }', 'E4007', [1, 1, 25]],
      ['software:faults:x { }', 'E4008', [1, 1, 18]],
      ['END { } END { }', 'E4009', [1, 9, 12]],
      ['software:nosuch { }', 'E4010', [1, 1, 16]],
      ['hardware:nosuch { }', 'E4011', [1, 1, 16]],
      ['uretprobe:/bin/bash:readline+1 { }', 'E4013', [1, 1, 31]],
      ['kfunc:nosuch { }', 'E4014', [1, 1, 13]],
      ['interval:xs:1 { }', 'E4015', [1, 1, 14]],
      ['interval:s:0 { }', 'E4016', [1, 1, 13]],
      ['watchpoint:0x1000:3:rw { }', 'E4017', [1, 1, 23]],
      ['watchpoint:0x1000:8:rx { }', 'E4018', [1, 1, 23]],
      ['watchpoint:0x1000:8:q { }', 'E4019', [1, 1, 22]],
      ['rawtracepoint:nosuch { }', 'E4020', [1, 1, 21]],
    ];
    for (const [text, code, span] of cases) {
      const d = firstError(text);
      assert.equal(d.code, code, text);
      assert.deepEqual(at(d), span, text);
    }
  });

  it('warns, as bpftrace does, about kernel functions it cannot find, and lets them check', () => {
    const r = run('kprobe:nosuch { }');
    assert.ok(r.program);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.severity]),
      [['W4001', 'warning']],
    );
    // Without a readable function list (no kprobes), nothing to warn about.
    assert.deepEqual(run('kprobe:vfs_read { }', {}, { kernelFunctions: false }).diagnostics, []);
  });

  it('limits the number of programs with BPFTRACE_MAX_PROBES', () => {
    const r = run('tracepoint:sched:* { }', {}, { env: { BPFTRACE_MAX_PROBES: '3' } });
    assert.equal(r.diagnostics[0]?.code, 'E3001');
  });

  it('turns a host failure into a diagnostic', () => {
    const d = firstError('uprobe:/etc/hostname:f { }');
    assert.equal(d.code, 'E4022');
    assert.equal(d.message, 'uprobe:/etc/hostname:f: /etc/hostname: not an ELF file');
  });
});
