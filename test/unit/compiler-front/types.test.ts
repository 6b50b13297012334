import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckedProgram, Expr, Statement } from '../../../compiler/front/ast.js';
import { typeStr } from '../../../compiler/passes/type-names.js';
import type { CheckOptions } from '../../../compiler/check.js';
import type { FakeHostOptions } from '../../support/fake-host.js';
import { firstError, ok } from './helpers.js';

function assigned(p: CheckedProgram, index = 0, probe = 0): Statement & { kind: 'assign' } {
  const s = p.probes[probe]?.body[index];
  assert.ok(s?.kind === 'assign', `statement ${index} is an assignment`);
  return s;
}

/** The type of `expr` as bpftrace 0.17 spells it, in the given probe. */
function typeOf(
  expr: string,
  probe = 'kprobe:vfs_read',
  options: CheckOptions = {},
  host: FakeHostOptions = {},
): string {
  const p = ok(`${probe} { $v = ${expr}; }`, options, host);
  const t = assigned(p).value.type;
  assert.ok(t);
  return typeStr(t);
}

function valueOf(p: CheckedProgram, index = 0): Expr {
  return assigned(p, index).value;
}

describe('resolve types', () => {
  it('types literals, builtins and function results as 0.17 does', () => {
    const cases: [string, string][] = [
      ['1', 'int64'],
      ['18446744073709551615', 'unsigned int64'],
      ['"abc"', 'string[4]'],
      ['pid', 'unsigned int64'],
      ['arg0', 'unsigned int64'],
      ['comm', 'string[16]'],
      ['kstack', 'kstack'],
      ['ustack(perf, 3)', 'ustack'],
      ['func', 'ksym'],
      ['probe', 'probe'],
      ['username', 'username'],
      ['curtask', 'struct task_struct *'],
      ['curtask->pid', 'int32'],
      ['curtask->comm', 'string[16]'],
      ['curtask->se', 'struct sched_entity'],
      ['*curtask', 'struct task_struct'],
      ['str(arg0)', 'string[64]'],
      ['buf(arg0, 8)', 'buffer[9]'],
      ['ksym(arg0)', 'ksym'],
      ['usym(arg0)', 'usym'],
      ['ntop(2, arg0)', 'inet'],
      ['pton("::1")', 'unsigned int8[16]'],
      ['pton("1.2.3.4")', 'unsigned int8[4]'],
      ['strftime("%H", nsecs)', 'timestamp'],
      ['strerror(2)', 'strerror'],
      ['macaddr(arg0)', 'mac_address'],
      ['cgroup_path(cgroup)', 'cgroup_path'],
      ['strncmp(comm, "a", 1)', 'unsigned int64'],
      ['(uint8)1', 'unsigned int8'],
      ['(int16)1', 'int16'],
      ['(struct task_struct *)arg0', 'struct task_struct *'],
      ['-1', 'int64'],
      ['!1', 'unsigned int64'],
      ['~1', 'int64'],
      ['pid + 1', 'unsigned int64'],
      ['(int32)1 * 2', 'int64'],
      ['1 < 2', 'int64'],
      ['(1, "ab", comm)', '(int64,string[3],string[16])'],
      ['(1, "ab").1', 'string[3]'],
      ['sizeof(struct task_struct)', 'unsigned int64'],
      ['1 ? "a" : "bcd"', 'string[4]'],
    ];
    for (const [expr, want] of cases) assert.equal(typeOf(expr), want, expr);
    assert.equal(typeOf('func', 'uprobe:/bin/bash:readline'), 'usym');
    assert.equal(typeOf('retval', 'kretfunc:vfs_read'), 'int64');
    assert.equal(
      typeOf('str(arg0)', 'kprobe:vfs_read', {}, { env: { BPFTRACE_STRLEN: '100' } }),
      'string[100]',
    );
  });

  it('computes sizeof, unroll counts and tuple layouts', () => {
    const p = ok(
      'BEGIN { @a = sizeof(struct task_struct); @b = sizeof(comm); @c = sizeof(uint16); unroll(3) { @d++ } @t = (1, (int8)2, "ab"); }',
    );
    const size = (i: number) => {
      const v = valueOf(p, i);
      return v.kind === 'sizeof' ? v.size : undefined;
    };
    assert.deepEqual([size(0), size(1), size(2)], [9792, 16, 2]);
    const unroll = p.probes[0]?.body[3];
    assert.ok(unroll?.kind === 'unroll');
    assert.equal(unroll.count, 3);
    // Elements widened to the 8-byte slots of 0.17; C alignment for the rest.
    assert.deepEqual(p.maps.get('@t')?.value, {
      kind: 'tuple',
      fields: [
        { kind: 'int', size: 8, signed: true },
        { kind: 'int', size: 8, signed: true },
        { kind: 'string', size: 3 },
      ],
      offsets: [0, 8, 16],
      size: 24,
    });
  });

  it('gives maps one key and value type, integers in 8 bytes, strings at their largest', () => {
    const p = ok(
      'BEGIN { @x[(uint16)1, "a"] = (uint8)3; @x[2, "abcd"] = 5; @s = "a"; @s = comm; @c = count(); @h[comm] = hist(1); @l = lhist(1, 0, 100, 10); @n++; }',
    );
    assert.deepEqual(p.maps.get('@x'), {
      name: '@x',
      key: [
        { kind: 'int', size: 8, signed: false },
        { kind: 'string', size: 5 },
      ],
      value: { kind: 'int', size: 8, signed: false },
      span: { line: 1, column: 9, endLine: 1, endColumn: 27 },
    });
    assert.deepEqual(p.maps.get('@s')?.value, { kind: 'string', size: 16 });
    assert.deepEqual(p.maps.get('@c')?.value, { kind: 'count', signed: false });
    assert.deepEqual(p.maps.get('@h')?.key, [{ kind: 'string', size: 16 }]);
    assert.deepEqual(p.maps.get('@l')?.value, { kind: 'lhist', min: 0, max: 100, step: 10 });
    assert.deepEqual(p.maps.get('@n')?.value, { kind: 'int', size: 8, signed: true });
    assert.deepEqual([...p.maps.keys()], ['@x', '@s', '@c', '@h', '@l', '@n']);
  });

  it('learns a map type from a later block', () => {
    const p = ok('END { printf("%s\\n", @name); } BEGIN { @name = comm; }');
    const call = p.probes[0]?.body[0];
    assert.ok(call?.kind === 'exprStmt' && call.expr.kind === 'call');
    assert.equal(typeStr(call.expr.args[1]?.type ?? { kind: 'none' }), 'string[16]');
  });

  it('keeps scratch variables per probe block', () => {
    const p = ok('BEGIN { $x = 1; $s = "a"; $s = "abc"; } END { $x = comm; }');
    assert.deepEqual(
      [...(p.probes[0]?.variables ?? [])].map(([n, t]) => [n, typeStr(t)]),
      [
        ['$x', 'int64'],
        ['$s', 'string[4]'],
      ],
    );
    assert.deepEqual(
      [...(p.probes[1]?.variables ?? [])].map(([n, t]) => [n, typeStr(t)]),
      [['$x', 'string[16]']],
    );
  });

  it('resolves fields through BTF, script definitions and tracepoint formats', () => {
    const p = ok(
      'struct pair { int a; char tag[4]; unsigned long long b; };\n' +
        'kprobe:vfs_read { @a = curtask->real_parent->tgid; @b = curtask->in_iowait; @c = ((struct pair *)arg0)->b; @d = curtask->se.vruntime; }',
    );
    const field = (i: number) => {
      const v = valueOf(p, i);
      assert.ok(v.kind === 'field');
      return v.resolved;
    };
    assert.deepEqual(field(0), {
      name: 'tgid',
      offset: 2468,
      type: { kind: 'int', size: 4, signed: true },
    });
    assert.deepEqual(field(1), {
      name: 'in_iowait',
      offset: 2400,
      type: { kind: 'int', size: 4, signed: false },
      bitOffset: 1,
      bitSize: 1,
    });
    assert.deepEqual(field(2), {
      name: 'b',
      offset: 8,
      type: { kind: 'int', size: 8, signed: false },
    });
    assert.deepEqual(field(3), {
      name: 'vruntime',
      offset: 88,
      type: { kind: 'int', size: 8, signed: false },
    });
  });

  it('types pointer-to-pointer tracepoint fields from the C text (execve argv), as 0.17', () => {
    const tp = 'tracepoint:syscalls:sys_enter_execve';
    assert.equal(typeOf('args->argv', tp), 'int8 * *');
    assert.equal(typeOf('*args->argv', tp), 'int8 *');
    assert.equal(typeOf('args->argv[1]', tp), 'int8 *');
    assert.equal(typeOf('**args->argv', tp), 'int8');
    assert.equal(typeOf('str(*args->argv)', tp), 'string[64]');
    assert.equal(typeOf('str(args->argv[0])', tp), 'string[64]');
  });

  it('resolves tracepoint args per target, with __data_loc fields', () => {
    const p = ok(
      'tracepoint:syscalls:sys_enter_openat, tracepoint:sched:sched_process_exec { @[str(args->filename)] = count(); }',
    );
    const [s] = p.probes[0]?.body ?? [];
    assert.ok(s?.kind === 'assign' && s.target.kind === 'map');
    const call = s.target.keys[0];
    assert.ok(call?.kind === 'call');
    const f = call.args[0];
    assert.ok(f?.kind === 'field');
    assert.deepEqual(
      f.perTarget?.map((r) => [r.offset, r.dataLoc ?? false]),
      [
        [24, false],
        [8, true],
      ],
    );
  });

  it('widens a field whose integer size differs between the events of a block', () => {
    const p = ok(
      'tracepoint:syscalls:sys_enter_kill, tracepoint:sched:sched_process_exec { @ = args->pid; }',
    );
    const v = valueOf(p);
    assert.ok(v.kind === 'field');
    assert.deepEqual(v.type, { kind: 'int', size: 8, signed: false });
    assert.deepEqual(
      v.perTarget?.map((r) => [r.offset, typeStr(r.type)]),
      [
        [16, 'unsigned int64'],
        [12, 'int32'],
      ],
    );
  });

  it('replaces positional parameters, $#, enum constants and defines by literals', () => {
    const p = ok(
      '#define LIMIT 0x10\nenum { RED = 3 };\nBEGIN { @a = $1; @b = $2; @c = str($3); @d = $#; @e = RED; @f = LIMIT; @g = $9; }',
      { params: ['42', '0x20', 'hello'] },
    );
    const values = [0, 1, 2, 3, 4, 5, 6].map((i) => {
      const v = valueOf(p, i);
      return v.kind === 'integer' ? v.value : v.kind === 'string' ? v.value : v.kind;
    });
    assert.deepEqual(values, [42n, 32n, 'hello', 3n, 3n, 16n, 0n]);
  });

  it('reads parameters as 0.17 does: stoll() numbers, str($N, len) cut to len and STRLEN - 1', () => {
    const p = ok(
      'BEGIN { @a = $1; @b = $2; @c = $3; @d = str($4, 2); @e = str($5); @f = str($5, 100); }',
      { params: ['0777', ' -0x10', '+7', 'abcdef', 'x'.repeat(70)] },
    );
    const values = [0, 1, 2, 3, 4, 5].map((i) => {
      const v = valueOf(p, i);
      return v.kind === 'integer' ? v.value : v.kind === 'string' ? v.value : v.kind;
    });
    // Negative numbers are stored as their 64-bit two's complement.
    assert.deepEqual(values, [511n, (1n << 64n) - 16n, 7n, 'ab', 'x'.repeat(63), 'x'.repeat(63)]);
    for (const bad of ['9223372036854775808', '08', '12 ', '0x'])
      assert.equal(firstError('BEGIN { @a = $1; }', { params: [bad] }).code, 'E2044');
  });

  it('resolves compile-time addresses', () => {
    const p = ok(
      'BEGIN { @k = kaddr("jiffies"); } uprobe:/bin/bash:readline { @u = uaddr("glob_asciirange"); }',
    );
    const k = valueOf(p, 0);
    assert.ok(k.kind === 'call');
    assert.equal(k.resolved, 0xffffffff8b205940n);
    const u = assigned(p, 0, 1).value;
    assert.ok(u.kind === 'call');
    assert.equal(u.resolved, 0x12e6e4n);
  });

  it('records what the run needs', () => {
    assert.deepEqual(ok('BEGIN { @ = elapsed; }').needs, {
      unsafe: false,
      cpid: false,
      elapsed: true,
    });
    assert.deepEqual(ok('BEGIN { system("true"); }', { unsafe: true }).needs, {
      unsafe: true,
      cpid: false,
      elapsed: false,
    });
    assert.deepEqual(ok('BEGIN { @ = cpid; }', { hasChild: true }).needs, {
      unsafe: false,
      cpid: true,
      elapsed: false,
    });
  });

  it('reads the environment for limits', () => {
    const p = ok(
      'BEGIN { }',
      {},
      {
        env: { BPFTRACE_STRLEN: '128', BPFTRACE_MAP_KEYS_MAX: '100', BPFTRACE_PERF_RB_PAGES: '8' },
      },
    );
    assert.deepEqual(p.config, { strlen: 128, mapKeysMax: 100, perfRbPages: 8 });
    assert.deepEqual(ok('BEGIN { }').config, { strlen: 64, mapKeysMax: 4096, perfRbPages: 64 });
  });
});
