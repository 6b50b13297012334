// The shape of generated programs, checked on the encoded bytes of a broad program set:
// every jump lands on an instruction inside the program, only r0-r10 are used, every
// program ends in exit, every map lookup's result is null-checked before it is dereferenced,
// every map reference names a map of the artifact, and sizes stay near bpftrace 0.17's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../../compiler/compile.js';
import { scratchLayout } from '../../../compiler/codegen/index.js';
import { formatDiagnostics } from '../../../compiler/diagnostics.js';
import { decode, disassemble, HELPERS, type Instruction } from '../../../compiler/bpf/index.js';
import { FakeHost } from '../../support/fake-host.js';
import { compileOk, programBytes } from './helpers.js';
import { CODEGEN_PROGRAMS } from './programs.js';
import { acceptedCorpus } from './corpus.js';

const LOOKUP = HELPERS.map_lookup_elem.id;

function slotsOf(insns: Instruction[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const i of insns) {
    out.push(s);
    s += i.opcode === 0x18 ? 2 : 1;
  }
  return out;
}

/** Registers holding the lookup's result must be compared with 0 before any access through them. */
function checkNullChecks(insns: Instruction[], text: string): void {
  insns.forEach((i, k) => {
    if (i.opcode !== 0x85 || i.imm !== LOOKUP) return;
    const holders = new Set([0]);
    for (let n = k + 1; n < insns.length; n++) {
      const j = insns[n]!;
      const cls = j.opcode & 7;
      if (j.opcode === 0x15 && holders.has(j.dst) && j.imm === 0) return; // if rX == 0
      if (j.opcode === 0x55 && holders.has(j.dst) && j.imm === 0) return; // if rX != 0
      if ((cls === 1 && holders.has(j.src)) || ((cls === 2 || cls === 3) && holders.has(j.dst))) {
        assert.fail(`lookup at ${k} dereferenced at ${n} before a null check:\n${text}`);
      }
      if (j.opcode === 0xbf && holders.has(j.src)) holders.add(j.dst);
      else if ([1, 4, 7].includes(cls)) holders.delete(j.dst);
      if (j.opcode === 0x85 || (cls === 5 && j.opcode !== 0x15 && j.opcode !== 0x55)) {
        assert.fail(`lookup at ${k} not null-checked before instruction ${n}:\n${text}`);
      }
    }
    assert.fail(`lookup at ${k} never null-checked`);
  });
}

describe('generated program structure', () => {
  for (const p of CODEGEN_PROGRAMS.filter((x) => x.fake !== false)) {
    it(p.name, () => {
      const artifact = compileOk(p.text, { unsafe: p.unsafe ?? false, hasChild: true });
      assert.ok(artifact.programs.length >= 1);
      assert.equal(artifact.probeCount, artifact.programs.length);
      assert.equal(artifact.probeNames.length, artifact.programs.length);
      const mapNames = new Set(artifact.maps.map((m) => m.name));
      for (const prog of artifact.programs) {
        const bytes = programBytes(prog);
        const insns = decode(bytes, prog.mapRelocations);
        const text = disassemble(bytes, prog.mapRelocations);
        const slots = slotsOf(insns);
        const total = bytes.length / 8;
        const starts = new Set(slots);
        insns.forEach((i, k) => {
          assert.ok((i.dst <= 10 && i.src <= 10) || i.opcode === 0x18, `bad register at ${k}`);
          const cls = i.opcode & 7;
          if (cls === 5 && i.opcode !== 0x85 && i.opcode !== 0x95) {
            const to = slots[k]! + 1 + i.off;
            assert.ok(
              to >= 0 && to < total && starts.has(to),
              `jump at ${k} to ${to} is outside the program:\n${text}`,
            );
          }
        });
        assert.equal(insns[insns.length - 1]!.opcode, 0x95, 'the program ends with exit');
        for (const r of prog.mapRelocations) {
          assert.ok(mapNames.has(r.map), `relocation to unknown map ${r.map}`);
          assert.equal(bytes[r.insn * 8], 0x18, 'relocation on an ld_imm64');
        }
        assert.equal(prog.sourceMap.length, total);
        assert.ok(prog.sourceMap.every((s) => s >= -1 && s < prog.spans.length));
        checkNullChecks(insns, text);
        if (p.bpftraceInsns !== undefined) {
          assert.ok(
            total <= p.bpftraceInsns + 10,
            `${total} instructions, bpftrace 0.17 used ${p.bpftraceInsns}:\n${text}`,
          );
        }
      }
    });
  }
});

describe('map layout (bpftrace 0.17 §4.2, bpfq min/max fix)', () => {
  const layout = (text: string, name: string) => {
    const m = compileOk(text).maps.find((x) => x.name === name);
    assert.ok(m, `no map ${name}`);
    return {
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      kernelName: m.kernelName,
    };
  };
  it('keyless count is a one-entry per-CPU array', () => {
    assert.deepEqual(layout('BEGIN { @ = count(); }', '@'), {
      type: 'percpu_array',
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      kernelName: 'AT_',
    });
  });
  it('count by comm, hist, lhist, stats, sum by (pid, comm)', () => {
    assert.deepEqual(layout('BEGIN { @[comm] = count(); }', '@'), {
      type: 'percpu_hash',
      keySize: 16,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_',
    });
    assert.deepEqual(layout('BEGIN { @h = hist(1); }', '@h'), {
      type: 'percpu_hash',
      keySize: 8,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_h',
    });
    assert.deepEqual(layout('BEGIN { @l[comm] = lhist(1, 0, 10, 1); }', '@l'), {
      type: 'percpu_hash',
      keySize: 24,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_l',
    });
    assert.deepEqual(layout('BEGIN { @s = stats(1); }', '@s'), {
      type: 'percpu_hash',
      keySize: 8,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_s',
    });
    assert.deepEqual(layout('BEGIN { @[pid, comm] = sum(1); }', '@'), {
      type: 'percpu_hash',
      keySize: 24,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_',
    });
  });
  it('plain values are a shared hash keyed by u64 0; string values keep the literal size', () => {
    assert.deepEqual(layout('BEGIN { @a = (uint8)5; }', '@a'), {
      type: 'hash',
      keySize: 8,
      valueSize: 8,
      maxEntries: 4096,
      kernelName: 'AT_a',
    });
    assert.deepEqual(layout('BEGIN { @c = "hello"; }', '@c'), {
      type: 'hash',
      keySize: 8,
      valueSize: 6,
      maxEntries: 4096,
      kernelName: 'AT_c',
    });
  });
  it('min and max keep {value, is_set}', () => {
    assert.equal(layout('BEGIN { @m = min(1); }', '@m').valueSize, 16);
  });
  it('BPFTRACE_MAP_KEYS_MAX sets max entries; kernel names keep 15 characters', () => {
    const host = new FakeHost({ env: { BPFTRACE_MAP_KEYS_MAX: '100' } });
    const a = compileOk('BEGIN { @a_very_long_map_name[1] = 1; }', {}, host);
    const m = a.maps.find((x) => x.name === '@a_very_long_map_name');
    assert.equal(m?.maxEntries, 100);
    assert.equal(m?.kernelName, 'AT_a_very_long_');
  });
  it('stack maps per depth, events map per CPU, elapsed seeded by user space', () => {
    const a = compileOk('BEGIN { @[kstack] = count(); @u[ustack(3)] = count(); @e = elapsed; }');
    const stacks = a.maps
      .filter((m) => m.role === 'stack')
      .map((m) => m.valueSize)
      .sort((x, y) => x - y);
    assert.deepEqual(stacks, [24, 1016]);
    assert.equal(a.maps.find((m) => m.role === 'events')?.type, 'perf_event_array');
    assert.deepEqual(a.needs.elapsed, true);
    assert.equal(a.maps.find((m) => m.role === 'elapsed')?.keySize, 8);
  });
});

describe('compile() diagnostics', () => {
  it('returns front-end errors without an artifact and never throws', () => {
    const r = compile('BEGIN { @ = hist(); }', {}, new FakeHost());
    assert.equal(r.artifact, undefined);
    assert.ok(r.diagnostics.some((d) => d.severity === 'error'));
  });
  it('reports what code generation cannot lower as an E5 diagnostic with a span', () => {
    const r = compile('BEGIN { @ = strcontains(comm, comm); }', {}, new FakeHost());
    assert.equal(
      r.artifact,
      undefined,
      formatDiagnostics(r.diagnostics, { name: 'stdin', text: '' }),
    );
    const d = r.diagnostics[0];
    assert.equal(d?.code, 'E5001');
    assert.equal(d?.span.line, 1);
  });
  it('reports a probe whose values outgrow the per-CPU scratch memory as E5005, not a crash', () => {
    const r = compile(
      'BEGIN { unroll(100) { unroll(100) { @a[comm, pid] = count(); } } }',
      {},
      new FakeHost(),
    );
    assert.equal(r.artifact, undefined);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.span.line, d.span.column]),
      [['E5005', 1, 1]],
    );
    assert.match(r.diagnostics[0]!.message, /more than the 32768 bytes of per-CPU scratch memory/);
  });
});

describe('scratch buffer layout', () => {
  it('gives each program its own region while they fit in one per-CPU value', () => {
    assert.deepEqual(scratchLayout([64, 0, 200]), { offsets: [0, 64, 64], size: 264 });
  });
  it('shares offset 0 when the regions would exceed 32 KiB', () => {
    assert.deepEqual(scratchLayout([20000, 20000]), { offsets: [0, 0], size: 20000 });
  });
  it('places large strings of wildcard-expanded programs in separate regions', () => {
    const host = new FakeHost({ env: { BPFTRACE_STRLEN: '200' } });
    const a = compileOk(
      'tracepoint:syscalls:sys_enter_open,tracepoint:syscalls:sys_enter_openat { $a = str(args->filename); printf("%s\\n", $a); }',
      {},
      host,
    );
    const scratch = a.maps.find((m) => m.role === 'scratch');
    assert.ok(scratch);
    assert.equal(scratch.type, 'percpu_array');
    assert.ok(a.programs.length > 1);
    assert.ok(scratch.valueSize >= a.programs.length * 200, `${scratch.valueSize}`);
  });
});

describe('the accepted-program corpus compiles', () => {
  for (const c of acceptedCorpus()) {
    it(c.name, () => {
      const r = compile(
        { name: 'stdin', text: c.text },
        { unsafe: true, hasChild: true, params: c.params },
        new FakeHost(),
      );
      assert.ok(r.artifact, formatDiagnostics(r.diagnostics, { name: 'stdin', text: c.text }));
      assert.equal(r.artifact.programs.length, r.artifact.probeCount);
    });
  }
});
