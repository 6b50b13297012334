// The session's pure decisions: the order probes attach in, and which symbol tables a run
// needs from the types its artifact prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attachOrder } from '../../worker/runtime/run-session.js';
import { symbolNeeds } from '../../worker/runtime/symbol-needs.js';
import type { LoadedProgram } from '../../worker/loader/load-artifact.js';
import type { Artifact, AttachTarget } from '../../compiler/artifact.js';
import type { SizedType } from '../../compiler/types.js';

function loaded(name: string, attach: AttachTarget): LoadedProgram {
  return {
    fd: -1,
    log: '',
    expectedAttachType: 0,
    artifact: {
      name,
      progType: 'tracepoint',
      attach,
      insns: '',
      mapRelocations: [],
      sourceMap: [],
      spans: [],
    },
  };
}

describe('attach order', () => {
  it('attaches newest-first kinds in reverse, then the others in order; never BEGIN/END', () => {
    const programs = [
      loaded('BEGIN', { kind: 'begin' }),
      loaded('t1', { kind: 'tracepoint', category: 'a', event: 'b' }),
      loaded('u1', { kind: 'uprobe', path: '/bin/x', fileOffset: '1' }),
      loaded('i1', {
        kind: 'perf_event',
        probe: 'interval',
        type: 1,
        config: 0,
        period: 1,
        cpus: 'first',
      }),
      loaded('u2', { kind: 'uretprobe', path: '/bin/x', fileOffset: '1' }),
      loaded('w1', { kind: 'watchpoint', address: '1', length: 8, mode: 'w' }),
      loaded('t2', { kind: 'tracepoint', category: 'a', event: 'c' }),
      loaded('END', { kind: 'end' }),
    ];
    assert.deepEqual(
      attachOrder(programs).map((p) => p.artifact.name),
      ['w1', 'u2', 'u1', 't1', 'i1', 't2'],
    );
  });
});

describe('symbol needs', () => {
  const base = { maps: [], printf: [], system: [], cat: [], printValue: [] } as unknown as Artifact;
  const withPrintf = (t: SizedType): Artifact => ({
    ...base,
    printf: [{ format: '%s', args: [{ type: t, offset: 8 }], size: 16 }],
  });

  it('needs nothing for plain integers and strings', () => {
    assert.deepEqual(symbolNeeds(withPrintf({ kind: 'int', size: 8, signed: true })), {
      kernel: false,
      user: false,
    });
  });

  it('finds kernel and user symbols in printf arguments, map keys and nested tuples', () => {
    assert.deepEqual(symbolNeeds(withPrintf({ kind: 'ksym' })), { kernel: true, user: false });
    assert.deepEqual(symbolNeeds(withPrintf({ kind: 'usym' })), { kernel: false, user: true });
    const tuple: SizedType = {
      kind: 'tuple',
      fields: [
        { kind: 'int', size: 8, signed: false },
        { kind: 'ustack', limit: 127, mode: 'bpftrace' },
      ],
      offsets: [0, 8],
      size: 16,
    };
    const art = {
      ...base,
      maps: [
        {
          name: '@',
          kernelName: 'AT_',
          role: 'user',
          type: 'percpu_hash',
          keySize: 16,
          valueSize: 8,
          maxEntries: 1,
          flags: 0,
          key: [tuple, { kind: 'kstack', limit: 127, mode: 'perf' }],
          value: { kind: 'count', signed: false },
        },
      ],
    } as Artifact;
    assert.deepEqual(symbolNeeds(art), { kernel: true, user: true });
  });
});
