// runSession end to end on hand-built programs: BEGIN runs by BPF_PROG_TEST_RUN, its printf
// and exit() events come back through the perf buffer, maps print at the end in name order,
// END runs after detaching, and nothing stays loaded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/needs.js';
import { runSession } from '../../worker/runtime/index.js';
import { renderText, renderJson } from '../../worker/output/index.js';
import {
  alu,
  call,
  exit,
  insn,
  ld,
  st,
  type Item,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R10,
} from '../../compiler/bpf/index.js';
import { AttachError, VerifierError } from '../../worker/runtime/errors.js';
import type { MapArtifact } from '../../compiler/artifact.js';
import { int64 } from '../../compiler/types.js';
import { artifactOf, assertNothingLeft, countInto, program, snapshot } from './runtime-helpers.js';

const events: MapArtifact = {
  name: 'printf',
  kernelName: 'printf',
  role: 'events',
  type: 'perf_event_array',
  keySize: 4,
  valueSize: 4,
  maxEntries: 0,
  flags: 0,
};

function userCount(name: string): MapArtifact {
  return {
    name,
    kernelName: `AT_${name.slice(1)}`,
    role: 'user',
    type: 'percpu_array',
    keySize: 4,
    valueSize: 8,
    maxEntries: 1,
    flags: 0,
    key: [],
    value: { kind: 'count', signed: false },
  };
}

/** Sends an event of u64 words (action id first) with bpf_perf_event_output. */
function send(words: number[]): Item[] {
  const size = words.length * 8;
  const items: Item[] = words.map((w, i) => st.dw(R10, -size + i * 8, w));
  items.push(
    alu.mov.reg(R1, R6),
    ld.mapFd(R2, 'printf'),
    ld.imm64(R3, 0xffffffffn), // BPF_F_CURRENT_CPU
    alu.mov.reg(R4, R10),
    alu.add.imm(R4, -size),
    alu.mov.imm(R5, size),
    call('perf_event_output'),
  );
  return items;
}

function body(...parts: Item[][]): Item[] {
  const items: Item[] = [alu.mov.reg(R6, R1)];
  for (const p of parts) items.push(...p.filter((i) => !(i.kind === 'insn' && i.opcode === 0x95)));
  items.push(alu.mov.imm(R0, 0), exit());
  return items;
}

/** countInto ends with `out: r0 = 0; exit`; keep its label, drop its exit. */
let labels = 0;
function count(map: string): Item[] {
  return countInto(map, `out${labels++}`).slice(0, -2);
}

describe('runSession', needs('bpf'), () => {
  it('runs BEGIN, prints its printf, handles exit(), runs END and prints maps in name order', async () => {
    const before = snapshot();
    const artifact = artifactOf({
      programs: [
        program(
          'BEGIN',
          'raw_tracepoint',
          { kind: 'begin' },
          body(send([0, 42]), count('@b'), count('@a'), count('@a'), send([30000])),
        ),
        program('END', 'raw_tracepoint', { kind: 'end' }, body(send([0, 7]))),
      ],
      maps: [events, userCount('@b'), userCount('@a')],
      printf: [{ format: 'hello %d\n', args: [{ type: int64, offset: 8 }], size: 16 }],
    });
    const seen: string[] = [];
    const result = await runSession(artifact, { onOutput: (r) => seen.push(r.type) });
    assert.equal(result.end, 'exit');
    assert.equal(
      renderText(result.output),
      'Attaching 2 probes...\nhello 42\nhello 7\n\n\n@a: 2\n@b: 1\n',
    );
    assert.equal(
      renderJson(result.output),
      '{"type": "attached_probes", "data": {"probes": 2}}\n' +
        '{"type": "printf", "data": "hello 42\\n"}\n' +
        '{"type": "printf", "data": "hello 7\\n"}\n' +
        '\n\n' +
        '{"type": "map", "data": {"@a": 2}}\n' +
        '{"type": "map", "data": {"@b": 1}}\n',
    );
    assert.deepEqual(seen, ['attached_probes', 'printf', 'printf', 'end', 'map', 'map']);
    assertNothingLeft(before, ['BEGIN', 'END', 'vfs_read']);
  });

  it('reads events from a BPF ring buffer as well', async () => {
    const before = snapshot();
    const ring: MapArtifact = {
      ...events,
      type: 'ringbuf',
      keySize: 0,
      valueSize: 0,
      maxEntries: 1 << 16,
    };
    /** bpf_ringbuf_output(map, data, size, 0): helper 130, not in the compiler's table. */
    const ringSend = (words: number[]): Item[] => {
      const size = words.length * 8;
      return [
        ...words.map((w, i) => st.dw(R10, -size + i * 8, w)),
        ld.mapFd(R1, 'printf'),
        alu.mov.reg(R2, R10),
        alu.add.imm(R2, -size),
        alu.mov.imm(R3, size),
        alu.mov.imm(R4, 0),
        insn({ opcode: 0x85, dst: 0, src: 0, off: 0, imm: 130 }),
      ];
    };
    const artifact = artifactOf({
      programs: [
        program(
          'BEGIN',
          'raw_tracepoint',
          { kind: 'begin' },
          body(ringSend([0, 9]), ringSend([30000])),
        ),
      ],
      maps: [ring],
      printf: [{ format: 'ring %d\n', args: [{ type: int64, offset: 8 }], size: 16 }],
    });
    const result = await runSession(artifact);
    assert.equal(result.end, 'exit');
    assert.equal(renderText(result.output), 'Attaching 1 probe...\nring 9\n\n\n');
    assertNothingLeft(before, ['BEGIN']);
  });

  it('drops events after exit() until END, as bpftrace 0.17 does', async () => {
    const artifact = artifactOf({
      programs: [
        program('BEGIN', 'raw_tracepoint', { kind: 'begin' }, body(send([30000]), send([0, 1]))),
      ],
      maps: [events],
      printf: [{ format: 'late %d\n', args: [{ type: int64, offset: 8 }], size: 16 }],
    });
    const result = await runSession(artifact, { quiet: true });
    assert.equal(renderText(result.output), '\n\n');
  });

  it('ends on an abort signal and on its duration', async () => {
    const artifact = artifactOf({
      programs: [program('BEGIN', 'raw_tracepoint', { kind: 'begin' }, body(count('@a')))],
      maps: [events, userCount('@a')],
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const aborted = await runSession(artifact, { signal: ac.signal, quiet: true });
    assert.equal(aborted.end, 'signal');
    assert.equal(renderText(aborted.output), '\n\n@a: 1\n');
    const timed = await runSession(artifact, { durationMs: 120, quiet: true });
    assert.equal(timed.end, 'duration');
  });

  it('rejects a program the verifier refuses, with its log, and leaves nothing', async () => {
    const before = snapshot();
    const artifact = artifactOf({
      programs: [program('BEGIN', 'raw_tracepoint', { kind: 'begin' }, [exit()])],
      maps: [events],
    });
    await assert.rejects(runSession(artifact), (e: unknown) => {
      assert.ok(e instanceof VerifierError);
      assert.match(e.log, /R0 !read_ok/);
      assert.match(e.message, /at instruction 0: \(95\) exit/);
      return true;
    });
    assertNothingLeft(before, ['BEGIN', 'END', 'vfs_read']);
  });

  it('rejects, and tears down, when an event cannot be decoded', async () => {
    const before = snapshot();
    const artifact = artifactOf({
      programs: [program('BEGIN', 'raw_tracepoint', { kind: 'begin' }, body(send([31999])))],
      maps: [events],
    });
    await assert.rejects(runSession(artifact, { quiet: true }), /unknown async action id 31999/);
    assertNothingLeft(before, ['BEGIN']);
  });

  it('detaches what was attached when a later probe fails to attach', async () => {
    const before = snapshot();
    const tp = (event: string) =>
      program(
        `tracepoint:syscalls:${event}`,
        'tracepoint',
        { kind: 'tracepoint', category: 'syscalls', event },
        body(count('@a')),
      );
    const artifact = artifactOf({
      programs: [tp('sys_enter_getppid'), tp('sys_enter_write'), tp('sys_enter_no_such_call')],
      maps: [events, userCount('@a')],
    });
    await assert.rejects(runSession(artifact, { quiet: true }), (e: unknown) => {
      assert.ok(e instanceof AttachError);
      assert.equal(e.probe, 'tracepoint:syscalls:sys_enter_no_such_call');
      return true;
    });
    assertNothingLeft(before, ['sys_enter_getppid', 'sys_enter_write', 'sys_enter_no_such_call']);
  });

  it('fails a kprobe with AttachError naming it, before loading anything', async () => {
    const before = snapshot();
    const artifact = artifactOf({
      programs: [
        program('BEGIN', 'raw_tracepoint', { kind: 'begin' }, body(count('@a'))),
        program(
          'kprobe:vfs_read',
          'kprobe',
          { kind: 'kprobe', func: 'vfs_read', offset: 0 },
          body(),
        ),
      ],
      maps: [events, userCount('@a')],
    });
    const records: string[] = [];
    await assert.rejects(
      runSession(artifact, { onOutput: (r) => records.push(r.type) }),
      (e: unknown) => {
        assert.ok(e instanceof AttachError);
        assert.equal(e.probe, 'kprobe:vfs_read');
        assert.match(e.message, /kprobes are not supported by this kernel/);
        return true;
      },
    );
    assert.deepEqual(records, ['attached_probes']);
    assertNothingLeft(before, ['BEGIN', 'END', 'vfs_read']);
  });
});
