// The host against this machine's own kernel: BTF offsets as bpftool reports them,
// tracepoint formats as tracefs writes them, libraries as ldconfig finds them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { NodeHost } from '../../host/node-host.js';
import { parseLdCache } from '../../host/ld-cache.js';
import { needs } from '../support/needs.js';
import { assertNoBpfFds } from '../unit/host-fixtures.js';

/** Members of a struct from `bpftool btf dump file vmlinux format raw`: name -> bit offset. */
function bpftoolStruct(
  raw: string[],
  name: string,
): { size: number; members: Map<string, number> } {
  const start = raw.findIndex((l) => new RegExp(`^\\[\\d+\\] STRUCT '${name}' size=`).test(l));
  assert.ok(start >= 0, `bpftool knows struct ${name}`);
  const size = Number(/size=(\d+)/.exec(raw[start] ?? '')?.[1]);
  const members = new Map<string, number>();
  for (const line of raw.slice(start + 1)) {
    const m = /^\t'([^']+)' type_id=\d+ bits_offset=(\d+)/.exec(line);
    if (!m) break;
    members.set(m[1] ?? '', Number(m[2]));
  }
  return { size, members };
}

describe('host on this machine: BTF', needs('bpf'), () => {
  const host = new NodeHost();
  const raw = execFileSync(
    'bpftool',
    ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    },
  ).split('\n');

  for (const name of ['task_struct', 'file', 'sk_buff', 'mm_struct']) {
    it(`struct ${name}: every named member at bpftool's offset`, () => {
      const expected = bpftoolStruct(raw, name);
      const t = host.btfType(`struct ${name}`);
      assert.ok(t && t.kind === 'struct');
      assert.equal(t.size, expected.size);
      const ours = new Map(t.fields.map((f) => [f.name, f.offset * 8 + (f.bitOffset ?? 0)]));
      for (const [member, bits] of expected.members) {
        if (member === '(anon)') continue;
        assert.equal(ours.get(member), bits, `${name}.${member}`);
      }
    });
  }

  it('task_struct.pid is a 4-byte signed int (pid_t) and comm a char[16]', () => {
    const t = host.btfType('task_struct');
    assert.ok(t && t.kind === 'struct');
    const pid = t.fields.find((f) => f.name === 'pid');
    assert.deepEqual(pid?.type, { kind: 'int', name: 'int', size: 4, signed: true });
    const comm = t.fields.find((f) => f.name === 'comm');
    assert.ok(comm?.type.kind === 'array');
    assert.equal(comm.type.count, 16);
  });

  it("vfs_read's prototype matches bpftool's FUNC_PROTO", () => {
    const fn = host.btfFunction('vfs_read');
    assert.ok(fn);
    const at = raw.findIndex((l) => /^\[\d+\] FUNC 'vfs_read' type_id=/.test(l));
    const protoId = /type_id=(\d+)/.exec(raw[at] ?? '')?.[1];
    const protoAt = raw.findIndex((l) => l.startsWith(`[${protoId}] FUNC_PROTO`));
    const params: string[] = [];
    for (const line of raw.slice(protoAt + 1)) {
      const m = /^\t'([^']*)' type_id=/.exec(line);
      if (!m) break;
      params.push(m[1] ?? '');
    }
    assert.deepEqual(
      fn.params.map((p) => p.name),
      params,
    );
    assert.equal(fn.params[0]?.type.kind, 'ptr');
  });
});

describe('host on this machine: tracefs', needs('tracefs'), () => {
  const host = new NodeHost();

  it('lists every line of available_events', () => {
    const lines = readFileSync('/sys/kernel/tracing/available_events', 'utf8').trim().split('\n');
    assert.equal(host.listTracepoints().length, new Set(lines).size);
  });

  it('parses each field line of a sample of format files', () => {
    const all = host.listTracepoints();
    const sample = all.filter((_, i) => i % 50 === 0);
    for (const tp of sample) {
      const [cat, event] = tp.split(':') as [string, string];
      const text = readFileSync(`/sys/kernel/tracing/events/${cat}/${event}/format`, 'utf8');
      const lines = text.split('\n').filter((l) => l.trim().startsWith('field:'));
      const fields = host.tracepointFormat(cat, event);
      assert.ok(fields, tp);
      assert.equal(fields.length, lines.length, tp);
      assert.ok(fields.filter((f) => f.common).every((f) => f.name.startsWith('common_')));
    }
    assert.equal(host.tracepointFormat('nosuch', 'event'), undefined);
    assert.equal(host.tracepointFormat('..', 'format'), undefined);
  });

  it('reads tracepoint ids and kernel symbol addresses', () => {
    const id = Number(
      readFileSync('/sys/kernel/tracing/events/sched/sched_switch/id', 'utf8').trim(),
    );
    assert.equal(host.tracefs.id('sched', 'sched_switch'), id);
    assert.equal(host.tracefs.id('nosuch', 'event'), undefined);
    const line = readFileSync('/proc/kallsyms', 'utf8')
      .split('\n')
      .find((l) => / [Tt] vfs_read$/.test(l));
    assert.ok(line);
    assert.equal(host.kernelSymbol('vfs_read'), BigInt(`0x${line.split(' ')[0] ?? ''}`));
    assert.equal(host.kernelSymbol('no_such_kernel_symbol_xyz'), undefined);
  });

  it('counts possible CPUs', () => {
    const possible = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = Number(possible.split(/[-,]/).pop());
    assert.equal(host.ncpus(), last + 1);
  });
});

describe('host on this machine: libraries', () => {
  const host = new NodeHost();
  const ldconfig = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });

  it('finds libc where ldconfig -p says it is', () => {
    const path = /\tlibc\.so\.6 \(libc6,x86-64\) => (\S+)/.exec(ldconfig)?.[1];
    assert.ok(path);
    assert.equal(host.resolveBinary('libc'), path);
    assert.equal(host.resolveBinary('libc.so.6'), path);
    assert.equal(host.resolveBinary('libnosuchlib'), undefined);
  });

  it('reads the whole system cache as ldconfig -p lists it', () => {
    const printed = ldconfig
      .split('\n')
      .map((l) => /^\t(\S+) \(([^)]*)\) => (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[3]}`);
    const ours = parseLdCache(readFileSync('/etc/ld.so.cache')).map((e) => `${e.name} ${e.path}`);
    assert.deepEqual(ours, printed);
  });

  it('resolves programs on PATH and libraries a process has mapped', () => {
    assert.equal(
      host.resolveBinary('sh'),
      execFileSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).trim(),
    );
    const mapped = host.resolveBinary('libc', process.pid);
    assert.ok(mapped?.endsWith('libc.so.6'), String(mapped));
  });
});

after(() => assertNoBpfFds());
