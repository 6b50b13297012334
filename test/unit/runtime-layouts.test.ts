// The struct layouts bpfq writes by hand, checked against the C compiler's offsetof() on this
// machine's libbpf and uapi headers, and the small parsers the runtime relies on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { LAYOUT } from '../../worker/libbpf/layouts.js';
import { encodePerfEventAttr, PERF_ATTR_SIZE } from '../../worker/libbpf/perf-event.js';
import { parseCpuList } from '../../worker/libbpf/cpus.js';
import { VerifierError } from '../../worker/libbpf/errors.js';
import { failingSlot, explainRejection } from '../../worker/loader/explain-rejection.js';
import { patchMapFd } from '../../worker/loader/load-artifact.js';
import { formatLowBit } from '../../worker/attach/uprobe-pmu.js';
import { breakpointType } from '../../worker/attach/watchpoint.js';
import type { Artifact, ProgramArtifact } from '../../compiler/artifact.js';

const headersPresent =
  existsSync('/usr/include/bpf/bpf.h') && existsSync('/usr/include/linux/perf_event.h');

describe(
  'struct layouts match the C headers',
  { ...needs('cc'), ...(headersPresent ? {} : { skip: 'needs libbpf-dev headers' }) },
  () => {
    it('bpf_prog_load_opts, bpf_test_run_opts, bpf_map_create_opts, perf_event_attr', () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfq-layout-'));
      try {
        const src = `#include <stdio.h>
#include <stddef.h>
#include <bpf/bpf.h>
#include <linux/perf_event.h>
#define F(S, M) printf("%s.%s=%zu\\n", #S, #M, offsetof(struct S, M))
#define Z(S) printf("%s.size=%zu\\n", #S, sizeof(struct S))
int main(void) {
  Z(bpf_prog_load_opts); F(bpf_prog_load_opts, expected_attach_type); F(bpf_prog_load_opts, log_level); F(bpf_prog_load_opts, log_size); F(bpf_prog_load_opts, log_buf);
  Z(bpf_test_run_opts); F(bpf_test_run_opts, retval);
  Z(bpf_map_create_opts); F(bpf_map_create_opts, map_flags);
  F(perf_event_attr, type); F(perf_event_attr, size); F(perf_event_attr, config); F(perf_event_attr, sample_period);
  F(perf_event_attr, wakeup_events); F(perf_event_attr, bp_type); F(perf_event_attr, config1); F(perf_event_attr, config2);
  F(perf_event_attr, sig_data);
  return 0;
}`;
        writeFileSync(join(dir, 'l.c'), src);
        execFileSync('cc', ['-o', join(dir, 'l'), join(dir, 'l.c')]);
        const got = new Map(
          execFileSync(join(dir, 'l'), { encoding: 'utf8' })
            .trim()
            .split('\n')
            .map((l) => l.split('=') as [string, string]),
        );
        const want: [string, number][] = [
          ['bpf_prog_load_opts.size', LAYOUT.progLoadOpts.size],
          ['bpf_prog_load_opts.expected_attach_type', LAYOUT.progLoadOpts.expected_attach_type],
          ['bpf_prog_load_opts.log_level', LAYOUT.progLoadOpts.log_level],
          ['bpf_prog_load_opts.log_size', LAYOUT.progLoadOpts.log_size],
          ['bpf_prog_load_opts.log_buf', LAYOUT.progLoadOpts.log_buf],
          ['bpf_test_run_opts.size', LAYOUT.testRunOpts.size],
          ['bpf_test_run_opts.retval', LAYOUT.testRunOpts.retval],
          ['bpf_map_create_opts.size', LAYOUT.mapCreateOpts.size],
          ['bpf_map_create_opts.map_flags', LAYOUT.mapCreateOpts.map_flags],
          ['perf_event_attr.type', LAYOUT.perfEventAttr.type],
          ['perf_event_attr.size', LAYOUT.perfEventAttr.size],
          ['perf_event_attr.config', LAYOUT.perfEventAttr.config],
          ['perf_event_attr.sample_period', LAYOUT.perfEventAttr.sample_period],
          ['perf_event_attr.wakeup_events', LAYOUT.perfEventAttr.wakeup_events],
          ['perf_event_attr.bp_type', LAYOUT.perfEventAttr.bp_type],
          ['perf_event_attr.config1', LAYOUT.perfEventAttr.config1],
          ['perf_event_attr.config2', LAYOUT.perfEventAttr.config2],
          ['perf_event_attr.sig_data', LAYOUT.perfEventAttr.sig_data],
        ];
        for (const [name, value] of want) assert.equal(Number(got.get(name)), value, name);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

// The uprobe_multi member of union bpf_attr is newer than this machine's uapi headers (Debian
// 12 ships 6.1's): its offsets are checked against the running kernel's own BTF, dumped as C
// by bpftool and compiled.
describe('bpf_attr.link_create.uprobe_multi matches the running kernel', needs('bpf', 'cc'), () => {
  it('has every field where the kernel reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-layout-'));
    try {
      const header = execFileSync(
        'bpftool',
        ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'],
        { encoding: 'utf8', maxBuffer: 1 << 30 },
      );
      writeFileSync(join(dir, 'vmlinux.h'), header);
      const fields = ['path', 'offsets', 'ref_ctr_offsets', 'cookies', 'cnt', 'flags', 'pid'];
      const src = `#include "vmlinux.h"
int printf(const char *, ...);
#define F(N, M) printf("%s=%lu\\n", N, (unsigned long)__builtin_offsetof(union bpf_attr, M))
int main(void) {
  F("prog_fd", link_create.prog_fd); F("attach_type", link_create.attach_type);
  F("flags", link_create.flags);
${fields.map((f) => `  F("multi.${f}", link_create.uprobe_multi.${f});`).join('\n')}
  printf("pidsize=%lu\\n", sizeof(((union bpf_attr *)0)->link_create.uprobe_multi.pid));
  return 0;
}`;
      writeFileSync(join(dir, 'l.c'), src);
      execFileSync('cc', ['-w', '-o', join(dir, 'l'), join(dir, 'l.c')], { cwd: dir });
      const got = new Map(
        execFileSync(join(dir, 'l'), { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => l.split('=') as [string, string]),
      );
      const L = LAYOUT.linkCreateUprobeMulti;
      const want: [string, number][] = [
        ['prog_fd', L.prog_fd],
        ['attach_type', L.attach_type],
        ['flags', L.flags],
        ['multi.path', L.path],
        ['multi.offsets', L.offsets],
        ['multi.ref_ctr_offsets', L.ref_ctr_offsets],
        ['multi.cookies', L.cookies],
        ['multi.cnt', L.cnt],
        ['multi.flags', L.multi_flags],
        ['multi.pid', L.pid],
      ];
      for (const [name, value] of want) assert.equal(Number(got.get(name)), value, name);
      // bpfq passes `size` bytes: the whole struct up to and including pid.
      assert.ok(L.size >= L.pid + Number(got.get('pidsize')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('perf_event_attr encoding', () => {
  it('writes type, size, config, period, flags and the breakpoint fields', () => {
    const b = encodePerfEventAttr({
      type: 5,
      config: 7n,
      sample: 1000n,
      freq: true,
      disabled: true,
      wakeupEvents: 1,
      bpType: 3,
      config1: 0x1234n,
      config2: 8n,
    });
    assert.equal(b.length, PERF_ATTR_SIZE);
    assert.equal(b.readUInt32LE(0), 5);
    assert.equal(b.readUInt32LE(4), PERF_ATTR_SIZE);
    assert.equal(b.readBigUInt64LE(8), 7n);
    assert.equal(b.readBigUInt64LE(16), 1000n);
    assert.equal(b.readBigUInt64LE(40), (1n << 10n) | 1n);
    assert.equal(b.readUInt32LE(48), 1);
    assert.equal(b.readUInt32LE(52), 3);
    assert.equal(b.readBigUInt64LE(56), 0x1234n);
    assert.equal(b.readBigUInt64LE(64), 8n);
  });
});

describe('runtime helpers', () => {
  it('parses CPU lists', () => {
    assert.deepEqual(parseCpuList('0-3,6\n'), [0, 1, 2, 3, 6]);
    assert.deepEqual(parseCpuList('0\n'), [0]);
    assert.deepEqual(parseCpuList('1,3-4'), [1, 3, 4]);
  });

  it('reads the low bit of a PMU format', () => {
    assert.equal(formatLowBit('config:0\n'), 0);
    assert.equal(formatLowBit('config:32-63\n'), 32);
    assert.equal(formatLowBit('config1:0-63'), undefined);
  });

  it('maps watchpoint modes to HW_BREAKPOINT bits', () => {
    assert.equal(breakpointType('r'), 1);
    assert.equal(breakpointType('w'), 2);
    assert.equal(breakpointType('rw'), 3);
    assert.equal(breakpointType('x'), 4);
  });

  it('patches ld_imm64 map references with BPF_PSEUDO_MAP_FD and the fd', () => {
    const insns = Buffer.alloc(24);
    insns[0] = 0x18;
    insns[1] = 0x02; // r2
    insns[16] = 0x95;
    patchMapFd(insns, 0, 42);
    assert.equal(insns[1], 0x12);
    assert.equal(insns.readInt32LE(4), 42);
    assert.throws(() => patchMapFd(insns, 2, 1), /not an ld_imm64/);
  });
});

describe('verifier rejections', () => {
  const log = [
    'func#0 @0',
    '0: R1=ctx() R10=fp0',
    '0: (b7) r2 = 0                        ; R2_w=0',
    '1: (85) call bpf_map_lookup_elem#1',
    'R1 type=ctx expected=map_ptr',
    'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    '',
  ].join('\n');

  it('finds the failing instruction: the last one the verifier printed', () => {
    assert.equal(failingSlot(log), 1);
    assert.equal(failingSlot('no instructions here'), undefined);
  });

  it('keeps the whole log and shows its last meaningful lines', () => {
    const e = new VerifierError('BEGIN', 13, log);
    assert.equal(e.log, log);
    assert.match(e.message, /R1 type=ctx expected=map_ptr$/m);
    assert.doesNotMatch(e.message, /processed 2 insns/);
    assert.deepEqual(VerifierError.lastLines(log, 1), ['R1 type=ctx expected=map_ptr']);
  });

  it('points at the source line of the failing instruction', () => {
    const program: ProgramArtifact = {
      name: 'BEGIN',
      progType: 'raw_tracepoint',
      attach: { kind: 'begin' },
      insns: Buffer.alloc(24).toString('base64'),
      mapRelocations: [],
      sourceMap: [-1, 0, 0],
      spans: [{ line: 2, column: 3, endLine: 2, endColumn: 8 }],
    };
    const artifact = { source: { name: 'stdin', text: 'BEGIN {\n  @x = 1;\n}' } } as Artifact;
    const lines = explainRejection(artifact, program, log, (_b, slot) => `insn ${slot}`);
    assert.deepEqual(lines, [
      '  at instruction 1: insn 1',
      '  from stdin:2:3',
      '    @x = 1;',
      '    ~~~~~',
    ]);
  });
});
