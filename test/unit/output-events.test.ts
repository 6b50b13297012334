// Events (printf, print(value), print(@map), join, time, ...) decoded from the bytes code
// generation lays out (compiler/codegen/layout.ts) and rendered as bpftrace 0.17 printed
// them for the same scripts (test/fixtures/bpftrace-output).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Artifact, FormatSpec, MapArtifact } from '../../compiler/artifact.js';
import { eventLayout } from '../../compiler/codegen/layout.js';
import type { SizedType } from '../../compiler/types.js';
import {
  ASYNC_ACTION,
  decodeEvent,
  decodeMap,
  exitOrder,
  renderRecords,
  type DecodeContext,
  type DecodedEvent,
  type OutputRecord,
} from '../../worker/output/index.js';
import {
  artifactWith,
  cat,
  cstr,
  ctx,
  eventBytes,
  fixture,
  i64,
  KernelMap,
  strT,
  u32,
  u64,
  userMap,
} from './output-kernel-layout.js';

type Arg = bigint | string;

const argType = (a: Arg): SizedType =>
  typeof a === 'bigint' ? i64 : strT(Buffer.byteLength(a) + 1);
const argBytes = (a: Arg): Uint8Array =>
  typeof a === 'bigint' ? u64(a) : cstr(a, Buffer.byteLength(a) + 1);

function spec(format: string, args: readonly Arg[]): FormatSpec {
  const layout = eventLayout(args.map(argType));
  return {
    format,
    args: layout.types.map((type, i) => ({ type, offset: layout.offsets[i] ?? 0 })),
    size: layout.size,
  };
}

/** A printf call: its FormatSpec and the event the kernel sends for it. */
function printfEvent(specs: FormatSpec[], format: string, ...args: Arg[]): Uint8Array {
  const s = spec(format, args);
  const id = specs.push(s) - 1;
  return eventBytes(
    s.size,
    ASYNC_ACTION.printf + id,
    args.map((a, i) => [s.args[i]?.offset ?? 0, argBytes(a)]),
  );
}

function output(e: DecodedEvent): OutputRecord {
  assert.equal(e.kind, 'output');
  if (e.kind !== 'output') throw new Error('unreachable');
  return e.record;
}

/** Runs each event through decodeEvent; print_map events read the map from `kernel`. */
function run(
  artifact: Artifact,
  events: Uint8Array[],
  kernel: KernelMap[],
  c: DecodeContext = ctx,
): OutputRecord[] {
  const byName = new Map(kernel.map((k) => [k.map.name, k]));
  const readMap = (m: MapArtifact): ReturnType<typeof decodeMap> =>
    decodeMap(artifact, m, byName.get(m.name)?.entries() ?? [], c);
  const records: OutputRecord[] = [{ type: 'attached_probes', probes: 1 }];
  for (const bytes of events) {
    const e = decodeEvent(artifact, bytes, c);
    if (e.kind === 'exit') break;
    if (e.kind === 'print_map')
      records.push({ type: 'map', map: readMap(e.map), top: e.top, div: e.div });
    else records.push(output(e));
  }
  records.push({ type: 'end' });
  for (const m of exitOrder(artifact.maps)) records.push({ type: 'map', map: readMap(m) });
  return records;
}

const EXIT = eventBytes(8, ASYNC_ACTION.exit, []);

describe('output: events match bpftrace 0.17', () => {
  it('formats every printf specifier with 0.17 integer widths (printf-specifiers.bt)', () => {
    const printf: FormatSpec[] = [];
    const events = [
      printfEvent(printf, '%d %u %x %X %o|\n', 5000000000n, -5n, -5n, 255n, 8n),
      printfEvent(
        printf,
        '%ld %lu %lx %lld %llu %jd %zu %td|\n',
        5000000000n,
        -5n,
        -5n,
        -7n,
        -7n,
        -8n,
        9n,
        -10n,
      ),
      printfEvent(printf, '%hd %hu %hhd %hhu %hx %hhx|\n', 70000n, -5n, 300n, -5n, -1n, -1n),
      printfEvent(
        printf,
        '[%5d] [%-5d] [%05d] [%.3d] [%8.3d] [%-8.3d] [%05.2d]\n',
        42n,
        42n,
        42n,
        7n,
        7n,
        7n,
        -3n,
      ),
      printfEvent(
        printf,
        '[%s] [%10s] [%-10s] [%.3s] [%5.2s] [%-6.1s]\n',
        'hello',
        'hi',
        'hi',
        'hello',
        'hello',
        'hello',
      ),
      printfEvent(printf, '[%c] [%3c] [%-3c]\n', 65n, 66n, 67n),
      printfEvent(printf, '%p %p\n', 255n, -5n),
      printfEvent(printf, '100%% done %d%%\n', 7n),
      printfEvent(printf, '[%x] [%08x] [%-8X] [%lo]\n', 3735928559n, 48879n, 48879n, 511n),
      printfEvent(printf, '%d %d %d\n', -2147483648n, 2147483647n, 4294967295n),
      printfEvent(printf, '%s-%d\n', 'x', 1n),
      printfEvent(printf, 'no newline'),
      printfEvent(printf, ' then newline\n'),
      EXIT,
    ];
    const records = run(artifactWith({ printf }), events, []);
    assert.equal(renderRecords('text', records), fixture('printf-specifiers', 'txt'));
    assert.equal(renderRecords('json', records), fixture('printf-specifiers', 'json'));
  });

  it('prints values and maps by reference at print() time (print-values.bt)', () => {
    const tuple3: SizedType = {
      kind: 'tuple',
      fields: [i64, strT(4), i64],
      offsets: [0, 8, 16],
      size: 24,
    };
    const inner: SizedType = { kind: 'tuple', fields: [i64, strT(2)], offsets: [0, 8], size: 16 };
    const nested: SizedType = { kind: 'tuple', fields: [i64, inner], offsets: [0, 8], size: 24 };
    const printValue: SizedType[] = [i64, i64, strT(4), tuple3, nested];
    const x = new KernelMap(userMap('@x', [], i64)).set(u64(0), u64(1));
    const k = new KernelMap(userMap('@k', [strT(2)], i64)).set(cstr('a', 2), u64(2));
    const maps = [x.map, k.map];
    const value = (id: number, bytes: Uint8Array): Uint8Array =>
      eventBytes(16 + bytes.length, ASYNC_ACTION.printNonMap, [
        [8, u64(id)],
        [16, bytes],
      ]);
    const printMap = (index: number): Uint8Array =>
      eventBytes(24, ASYNC_ACTION.print, [
        [8, u32(index)],
        [12, u32(0)],
        [16, u32(0)],
      ]);
    const events = [
      value(0, u64(5)),
      value(1, u64(-12)),
      value(2, cstr('str', 4)),
      value(3, cat(u64(1), cstr('two', 4), new Uint8Array(4), u64(3))),
      value(4, cat(u64(-1), u64(2), cstr('x', 2), new Uint8Array(6))),
      printMap(0),
      printMap(1),
      EXIT,
    ];
    const records = run(artifactWith({ printValue, maps }), events, [x, k]);
    assert.equal(renderRecords('text', records), fixture('print-values', 'txt'));
    assert.equal(renderRecords('json', records), fixture('print-values', 'json'));
  });

  it('escapes JSON strings as 0.17 does and leaves text raw (json-escaping.bt)', () => {
    const printf: FormatSpec[] = [];
    const m = new KernelMap(userMap('@m', [strT(4)], i64))
      .set(cstr('a"b', 4), u64(1))
      .set(cstr('c\\d', 4), u64(2))
      .set(cstr('t\te', 4), u64(3));
    const v = new KernelMap(userMap('@v', [], strT(4))).set(u64(0), cstr('x"y', 4));
    const tuple: SizedType = { kind: 'tuple', fields: [strT(3), i64], offsets: [0, 8], size: 16 };
    const events = [
      printfEvent(printf, 'quote " backslash \\ tab \t cr \r nl \n'),
      printfEvent(printf, 'ctl \x01 \x1f del \x7f end\n'),
      eventBytes(20, ASYNC_ACTION.printNonMap, [
        [8, u64(0)],
        [16, cstr('p"q', 4)],
      ]),
      eventBytes(32, ASYNC_ACTION.printNonMap, [
        [8, u64(1)],
        [16, cat(cstr('a"', 3), new Uint8Array(5), u64(1))],
      ]),
      EXIT,
    ];
    const artifact = artifactWith({ printf, printValue: [strT(4), tuple], maps: [m.map, v.map] });
    const records = run(artifact, events, [m, v]);
    assert.equal(renderRecords('text', records), fixture('json-escaping', 'txt'));
    assert.equal(renderRecords('json', records), fixture('json-escaping', 'json'));
  });

  it('renders kernel stacks in bpftrace and perf modes, indented 8 in values and 4 in keys (stacks.bt)', () => {
    // Symbol starts recovered from the perf-mode lines bpftrace printed (address - offset).
    const symbols: [bigint, string][] = [
      [0xffffffffc00008aan - 1015062682n, '_einittext'],
      [0xffffffff81f5d84an - 106n, '__bpf_prog_test_run_raw_tp'],
      [0xffffffff81f5f8a6n - 310n, 'bpf_prog_test_run_raw_tp'],
    ];
    const einit = symbols[0]?.[0] ?? 0n;
    const c = (stacks: bigint[][]): DecodeContext => ({
      symbolizer: {
        kernel: (addr) => {
          const hit = symbols
            .filter(([start]) => start <= addr)
            .sort(([a], [b]) => (a < b ? 1 : -1))[0];
          return hit && { name: hit[1], offset: addr - hit[0] };
        },
        user: () => undefined,
      },
      readStack: (ref, id) => {
        assert.equal(ref.user, false);
        assert.equal(ref.limit, 3);
        return stacks[id];
      },
    });
    const stack = (bpfOffset: bigint): bigint[] => [
      einit + bpfOffset,
      0xffffffff81f5d84an,
      0xffffffff81f5f8a6n,
      0n,
    ];
    const ks = (mode: 'bpftrace' | 'perf'): SizedType => ({ kind: 'kstack', limit: 3, mode });
    // The BPF program's own frame differs per probe and per run; the rest is the kernel's.
    const records = (offsets: {
      printf: bigint;
      print: bigint;
      b: bigint;
      p: bigint;
      v: bigint;
    }): OutputRecord[] => {
      const stacks = [
        stack(offsets.printf),
        stack(offsets.print),
        stack(offsets.b),
        stack(offsets.p),
        stack(offsets.v),
      ];
      const b = new KernelMap(
        userMap('@b', [ks('bpftrace')], { kind: 'count', signed: false }),
      ).add(u64(2), 1n);
      const p = new KernelMap(userMap('@p', [ks('perf')], { kind: 'count', signed: false })).add(
        u64(3),
        1n,
      );
      const v = new KernelMap(userMap('@v', [], ks('bpftrace'))).set(u64(0), u64(4));
      const printf: FormatSpec[] = [
        { format: '%s|\n', args: [{ type: ks('bpftrace'), offset: 8 }], size: 16 },
      ];
      const artifact = artifactWith({
        printf,
        printValue: [ks('perf')],
        maps: [b.map, p.map, v.map],
      });
      const events = [
        eventBytes(16, ASYNC_ACTION.printf, [[8, u64(0)]]),
        eventBytes(24, ASYNC_ACTION.printNonMap, [
          [8, u64(0)],
          [16, u64(1)],
        ]),
        EXIT,
      ];
      return run(artifact, events, [b, p, v], c(stacks));
    };
    const text = records({
      printf: 1015062622n,
      print: 1015062682n,
      b: 1015062502n,
      p: 1015062372n,
      v: 1015062755n,
    });
    assert.equal(renderRecords('text', text), fixture('stacks', 'txt'));
    const json = records({
      printf: 1015062626n,
      print: 1015062686n,
      b: 1015062506n,
      p: 1015062376n,
      v: 1015062759n,
    });
    assert.equal(renderRecords('json', json), fixture('stacks', 'json'));
  });

  it('renders user stacks and usym, with modules in perf mode (ustack.bt, capture-ustack.sh)', () => {
    const pid = 4242;
    const module = '/tmp/bpfq-ustack-target';
    // `nm` of the non-PIE target: leaf 0x401126, middle 0x401137, main 0x401151.
    const symbols: [bigint, string][] = [
      [0x401151n, 'main'],
      [0x401137n, 'middle'],
      [0x401126n, 'leaf'],
    ];
    const c: DecodeContext = {
      symbolizer: {
        kernel: () => undefined,
        user: (p, addr) => {
          assert.equal(p, pid);
          const hit = symbols.find(([start]) => start <= addr);
          return hit && { name: hit[1], offset: addr - hit[0], module };
        },
      },
      readStack: (ref, id) => {
        assert.deepEqual(ref, { user: true, limit: 2, mode: ref.mode });
        return id === 7 ? [0x401126n, 0x40114cn] : undefined;
      },
    };
    const us = (mode: 'bpftrace' | 'perf'): SizedType => ({ kind: 'ustack', limit: 2, mode });
    const count: SizedType = { kind: 'count', signed: false };
    const stackValue = u64((BigInt(pid) << 32n) | 7n);
    const p = new KernelMap(userMap('@p', [us('perf')], count)).add(stackValue, 1n);
    const b = new KernelMap(userMap('@b', [us('bpftrace')], count)).add(stackValue, 1n);
    const printf: FormatSpec[] = [
      {
        format: '%s|%s|%s\n',
        args: [
          { type: { kind: 'usym' }, offset: 8 },
          { type: { kind: 'usym' }, offset: 24 },
          { type: us('bpftrace'), offset: 40 },
        ],
        size: 48,
      },
    ];
    const usym = cat(u64(0x401126), u64(pid));
    const events = [
      eventBytes(48, ASYNC_ACTION.printf, [
        [8, usym],
        [24, usym],
        [40, stackValue],
      ]),
      EXIT,
    ];
    const records = run(artifactWith({ printf, maps: [p.map, b.map] }), events, [p, b], c);
    assert.equal(renderRecords('text', records), fixture('ustack', 'txt'));
    assert.equal(renderRecords('json', records), fixture('ustack', 'json'));
  });

  it('decodes exit, clear, zero, system and cat requests for the runtime to act on', () => {
    const m = userMap('@x', [i64], i64);
    const system = [spec('echo %d', [7n])];
    const catSpecs = [spec('/proc/%s', ['version'])];
    const artifact = artifactWith({ maps: [m], system, cat: catSpecs });
    assert.deepEqual(decodeEvent(artifact, EXIT, ctx), { kind: 'exit' });
    const mapEvent = (id: number): Uint8Array => eventBytes(16, id, [[8, u32(0)]]);
    assert.deepEqual(decodeEvent(artifact, mapEvent(ASYNC_ACTION.clear), ctx), {
      kind: 'clear',
      map: m,
    });
    assert.deepEqual(decodeEvent(artifact, mapEvent(ASYNC_ACTION.zero), ctx), {
      kind: 'zero',
      map: m,
    });
    const sys = eventBytes(16, ASYNC_ACTION.system, [[8, u64(7)]]);
    assert.deepEqual(decodeEvent(artifact, sys, ctx), { kind: 'system', command: 'echo 7' });
    const catEvent = eventBytes(16 + 8, ASYNC_ACTION.cat, [[8, cstr('version', 8)]]);
    assert.deepEqual(decodeEvent(artifact, catEvent, ctx), { kind: 'cat', path: '/proc/version' });
    assert.throws(
      () => decodeEvent(artifact, eventBytes(8, 39999, []), ctx),
      /unknown async action id 39999/,
    );
  });

  it('joins argv with the default and a given separator (join.bt, capture-join.sh)', () => {
    // Code generation's join event: {u64 id; u64 join id; 16 strings of strlen (64) bytes}.
    const join = [
      { separator: ' ', argSize: 64, argCount: 16 },
      { separator: ',', argSize: 64, argCount: 16 },
    ];
    const argv = ['/bin/true', 'first', 'second', 'third'];
    const ev = (id: number): Uint8Array =>
      eventBytes(16 + 16 * 64, ASYNC_ACTION.join, [
        [8, u64(id)],
        ...argv.map((a, i): [number, Uint8Array] => [16 + i * 64, cstr(a, 64)]),
      ]);
    const records = run(artifactWith({ join }), [ev(0), ev(1), EXIT], []);
    assert.equal(renderRecords('text', records), fixture('join', 'txt'));
    assert.equal(renderRecords('json', records), fixture('join', 'json'));
  });

  it('joins argv-style strings up to the first empty one, and formats time()', () => {
    const artifact = artifactWith({
      join: [{ separator: ',', argSize: 8, argCount: 4 }],
      time: ['%Y-%m-%d %H:%M:%S\n'],
    });
    const join = eventBytes(16 + 32, ASYNC_ACTION.join, [
      [8, u64(0)],
      [16, cstr('/bin/ls', 8)],
      [24, cstr('-l', 8)],
      [40, cstr('ignored', 8)],
    ]);
    const j = output(decodeEvent(artifact, join, ctx));
    assert.equal(renderRecords('text', [j]), '/bin/ls,-l\n');
    assert.equal(renderRecords('json', [j]), '{"type": "join", "data": "/bin/ls,-l"}\n');
    const when = new Date(2026, 10, 25, 14, 5, 9);
    const t = output(
      decodeEvent(artifact, eventBytes(16, ASYNC_ACTION.time, [[8, u32(0)]]), {
        ...ctx,
        now: () => when,
      }),
    );
    assert.equal(renderRecords('text', [t]), '2026-11-25 14:05:09\n');
    assert.equal(
      renderRecords('json', [t]),
      '{"type": "time", "data": "2026-11-25 14:05:09\\n"}\n',
    );
  });
});
