// Map dumps at exit and print(@m, top, div): kernel-layout entries decoded and rendered must
// give exactly what bpftrace 0.17 printed for the same script (test/fixtures/bpftrace-output).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MapArtifact } from '../../compiler/artifact.js';
import type { SizedType } from '../../compiler/types.js';
import {
  decodeMap,
  exitOrder,
  outputResult,
  renderJson,
  renderText,
  type OutputRecord,
} from '../../worker/output/index.js';
import {
  artifactBits,
  cat,
  cstr,
  ctx,
  fixture,
  i64,
  KernelMap,
  strT,
  u64,
  userMap,
} from './output-kernel-layout.js';

const NONE = new Uint8Array(0);
const ZERO_KEY = u64(0);
const agg = (
  kind: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats',
  signed = true,
): SizedType => ({ kind, signed });

/** Attaching banner, the exit newlines, then every map in exit order. */
function exitDump(kernelMaps: KernelMap[], before: OutputRecord[] = []): OutputRecord[] {
  const byName = new Map(kernelMaps.map((k) => [k.map.name, k]));
  const maps = exitOrder(kernelMaps.map((k) => k.map));
  return [
    { type: 'attached_probes', probes: 1 },
    ...before,
    { type: 'end' },
    ...maps.map((m): OutputRecord => ({ type: 'map', map: decode(m, byName.get(m.name)) })),
  ];
}

function decode(m: MapArtifact, k: KernelMap | undefined): ReturnType<typeof decodeMap> {
  return decodeMap(artifactBits, m, k?.entries() ?? [], ctx);
}

function assertFixture(name: string, records: OutputRecord[]): void {
  const result = outputResult(records);
  // The stored form is plain JSON: render from a round-tripped copy, as the job service does.
  const stored = JSON.parse(JSON.stringify(result)) as typeof result;
  assert.equal(renderText(stored), fixture(name, 'txt'));
  assert.equal(renderJson(stored), fixture(name, 'json'));
}

describe('output: map dumps match bpftrace 0.17', () => {
  it('prints maps in name order after the two exit newlines (lifecycle-map-order.bt)', () => {
    const maps = ['@z', '@m', '@a', '@'].map((name, i) =>
      new KernelMap(userMap(name, [], i64)).set(ZERO_KEY, u64(i + 1)),
    );
    assertFixture('lifecycle-map-order', exitDump(maps));
  });

  it('combines per-CPU count/sum/min/max/avg/stats slots (aggregations.bt)', () => {
    const s2 = strT(2);
    const a = new KernelMap(userMap('@a', [], agg('avg'))).stats(NONE, 10n).stats(NONE, 21n);
    const st = new KernelMap(userMap('@st', [], agg('stats'))).stats(NONE, 10n).stats(NONE, 21n);
    const sk = new KernelMap(userMap('@sk', [s2], agg('stats')))
      .stats(cstr('x', 2), 5n)
      .stats(cstr('y', 2), 1n);
    const ak = new KernelMap(userMap('@ak', [i64], agg('avg')))
      .stats(u64(1), 100n)
      .stats(u64(2), 3n);
    const an = new KernelMap(userMap('@an', [], agg('avg'))).stats(NONE, -10n).stats(NONE, -3n);
    const mm = (name: string, kind: 'min' | 'max', key: SizedType[]): KernelMap =>
      new KernelMap(userMap(name, key, agg(kind), 16));
    const mn = mm('@mn', 'min', []).minMax(ZERO_KEY, -5n, 'min').minMax(ZERO_KEY, 7n, 'min');
    const mx = mm('@mx', 'max', []).minMax(ZERO_KEY, 3n, 'max').minMax(ZERO_KEY, 9n, 'max');
    const mk = mm('@mk', 'max', [s2])
      .minMax(cstr('a', 2), 3n, 'max')
      .minMax(cstr('b', 2), 1n, 'max');
    const mnk = mm('@mnk', 'min', [s2])
      .minMax(cstr('a', 2), 30n, 'min')
      .minMax(cstr('b', 2), 2n, 'min');
    const s = new KernelMap(userMap('@s', [], agg('sum'))).add(ZERO_KEY, -5n);
    const su = new KernelMap(userMap('@su', [], agg('sum')))
      .add(ZERO_KEY, 5000000000n)
      .add(ZERO_KEY, 7n);
    const c = new KernelMap(userMap('@c', [s2], agg('count', false)))
      .add(cstr('z', 2), 1n)
      .add(cstr('y', 2), 1n)
      .add(cstr('y', 2), 1n);
    const c1 = new KernelMap(userMap('@c1', [], agg('count', false))).add(u64(0), 1n);
    assertFixture('aggregations', exitDump([a, st, sk, ak, an, mn, mx, mk, mnk, s, su, c, c1]));
  });

  it('avg/stats in the one-entry {total, count} layout give the same output', () => {
    const m = userMap('@st', [], agg('stats'), 16);
    const k = new KernelMap(m)
      .add(ZERO_KEY, 10n, 0)
      .add(ZERO_KEY, 1n, 8)
      .add(ZERO_KEY, 21n, 0)
      .add(ZERO_KEY, 1n, 8);
    const text = renderText(outputResult([{ type: 'map', map: decode(m, k) }]));
    assert.equal(text, '@st: count 2, average 15, total 31\n\n');
  });

  it('sorts keyed maps by value, or by key with unsigned integers (keyed-maps.bt)', () => {
    const tuple2: SizedType = { kind: 'tuple', fields: [i64, strT(2)], offsets: [0, 8], size: 10 };
    const tuple3: SizedType = {
      kind: 'tuple',
      fields: [i64, strT(2), i64],
      offsets: [0, 8, 10],
      size: 18,
    };
    const tupleBytes3 = cat(u64(2), cstr('b', 2), u64(-3));
    const maps = [
      new KernelMap(userMap('@i', [i64], i64))
        .set(u64(5), u64(2))
        .set(u64(-1), u64(1))
        .set(u64(3), u64(7)),
      new KernelMap(userMap('@s', [strT(4)], i64))
        .set(cstr('foo', 4), u64(3))
        .set(cstr('bar', 4), u64(1)),
      new KernelMap(userMap('@mk', [i64, strT(2)], i64))
        .set(cat(u64(1), cstr('x', 2)), u64(10))
        .set(cat(u64(2), cstr('y', 2)), u64(20))
        .set(cat(u64(1), cstr('a', 2)), u64(5)),
      new KernelMap(userMap('@sk', [strT(2), i64], strT(2))).set(
        cat(cstr('a', 2), u64(1)),
        cstr('z', 2),
      ),
      new KernelMap(userMap('@t', [], tuple2)).set(ZERO_KEY, cat(u64(1), cstr('a', 2))),
      new KernelMap(userMap('@tk', [i64], tuple3)).set(u64(1), tupleBytes3),
      new KernelMap(userMap('@str', [], strT(6))).set(ZERO_KEY, cstr('hello', 6)),
      new KernelMap(userMap('@kk', [i64], strT(5)))
        .set(u64(-1), cstr('neg', 5))
        .set(u64(5), cstr('five', 5))
        .set(u64(0), cstr('zero', 5)),
      new KernelMap(userMap('@ks', [strT(3)], strT(2)))
        .set(cstr('b', 3), cstr('x', 2))
        .set(cstr('a', 3), cstr('y', 2))
        .set(cstr('ab', 3), cstr('w', 2)),
    ];
    assertFixture('keyed-maps', exitDump(maps));
  });

  it('prints cleared maps as blank lines and zeroed histograms as bare headers (empty-maps.bt)', () => {
    const x = new KernelMap(userMap('@x', [i64], i64)).set(u64(1), u64(1)).clear();
    // A keyless count() is a per-CPU array in 0.17: clear() zeroes its one slot.
    const c = new KernelMap(userMap('@c', [], agg('count', false))).add(u64(0), 1n).zero();
    const h = new KernelMap(userMap('@h', [], { kind: 'hist' })).hist(NONE, 5n).clear();
    const hz = new KernelMap(userMap('@hz', [], { kind: 'hist' })).hist(NONE, 6n).zero();
    const st = new KernelMap(userMap('@st', [], agg('stats'))).stats(NONE, 3n).clear();
    const a = new KernelMap(userMap('@a', [], agg('avg'))).stats(NONE, 4n).clear();
    const l = new KernelMap(userMap('@l', [], { kind: 'lhist', min: 0, max: 10, step: 1 }))
      .lhist(NONE, 3n, 0, 10, 1)
      .zero();
    assertFixture('empty-maps', exitDump([x, c, h, hz, st, a, l]));
  });

  it('applies print(@m, top, div) as 0.17 does (print-top-div.bt)', () => {
    const s1 = strT(2);
    const c = new KernelMap(userMap('@c', [s1], agg('count', false)));
    for (const [k, n] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      for (let i = 0; i < n; i++) c.add(cstr(k, 2), 1n);
    }
    const s = new KernelMap(userMap('@s', [i64], agg('sum')))
      .add(u64(1), 10n)
      .add(u64(2), 25n)
      .add(u64(3), 7n);
    const h = new KernelMap(userMap('@h', [i64], { kind: 'hist' }));
    for (const [k, v] of [
      [1, 1],
      [2, 1],
      [2, 2],
      [2, 4],
      [3, 1],
      [3, 8],
    ] as const)
      h.hist(u64(k), BigInt(v));
    const h1 = new KernelMap(userMap('@h1', [], { kind: 'hist' }));
    for (const v of [4n, 4n, 4n, 100n]) h1.hist(NONE, v);
    const st = new KernelMap(userMap('@st', [], agg('stats'))).stats(NONE, 10n);
    const print = (k: KernelMap, top: number, div = 0): OutputRecord => ({
      type: 'map',
      map: decode(k.map, k),
      top,
      div,
    });
    const prints: OutputRecord[] = [
      print(c, 2),
      print(c, 0, 2),
      print(s, 1, 5),
      print(h, 2),
      print(h1, 0, 2),
      print(st, 1, 2),
      print(c, 10),
    ];
    assertFixture('print-top-div', exitDump([c, s, h, h1, st], prints));
  });

  it('divides averages, keeps lhist counts undivided, applies top to both (print-top-div-avg-lhist.bt)', () => {
    const a = new KernelMap(userMap('@a', [i64], agg('avg')))
      .stats(u64(1), 5n)
      .stats(u64(2), 9n)
      .stats(u64(3), 1n);
    const s = new KernelMap(userMap('@s', [], agg('avg'))).stats(NONE, 7n);
    const h = new KernelMap(userMap('@h', [], { kind: 'hist' }));
    for (let i = 0; i < 3; i++) h.hist(NONE, 5n);
    const l = new KernelMap(userMap('@l', [i64], { kind: 'lhist', min: 0, max: 10, step: 1 }))
      .lhist(u64(1), 5n, 0, 10, 1)
      .lhist(u64(2), 5n, 0, 10, 1)
      .lhist(u64(2), 6n, 0, 10, 1);
    const print = (k: KernelMap, top: number, div: number): OutputRecord => ({
      type: 'map',
      map: decode(k.map, k),
      top,
      div,
    });
    const prints = [print(a, 2, 2), print(a, 0, 3), print(s, 0, 2), print(h, 0, 2), print(l, 1, 2)];
    // clear(@a), clear(@h), clear(@l) before exit: only @s keeps entries.
    a.clear();
    h.clear();
    l.clear();
    assertFixture('print-top-div-avg-lhist', exitDump([a, s, h, l], prints));
  });
});
