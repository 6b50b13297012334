// hist() and lhist(): bucket-index key parts decoded, trimmed and labelled as bpftrace 0.17
// prints them in text and JSON (fixtures hist.bt and lhist.bt), and bpfq's full 64-bit range.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import type { SizedType } from '../../compiler/types.js';
import {
  decodeMap,
  exitOrder,
  outputResult,
  renderJson,
  renderRecord,
  renderText,
  type OutputRecord,
} from '../../worker/output/index.js';
import {
  artifactBits,
  ctx,
  cstr,
  fixture,
  i64,
  KernelMap,
  strT,
  u64,
  userMap,
} from './output-kernel-layout.js';

const NONE = new Uint8Array(0);
const HIST: SizedType = { kind: 'hist' };
const lhistT = (min: number, max: number, step: number): SizedType => ({
  kind: 'lhist',
  min,
  max,
  step,
});

function exitDump(maps: KernelMap[]): OutputRecord[] {
  const byName = new Map(maps.map((k) => [k.map.name, k]));
  return [
    { type: 'attached_probes', probes: 1 },
    { type: 'end' },
    ...exitOrder(maps.map((k) => k.map)).map((m): OutputRecord => ({
      type: 'map',
      map: decodeMap(artifactBits, m, byName.get(m.name)?.entries() ?? [], ctx),
    })),
  ];
}

/**
 * 0.17's JSON computes hist bounds in 32-bit ints, so [2G, 4G) comes out as min -2^31, max 0.
 * bpfq prints the true bounds; this is the one place the expected JSON departs from 0.17's.
 */
const fixed2G = (json: string): string =>
  json.replaceAll('{"min": -2147483648, "max": 0,', '{"min": 2147483648, "max": 4294967295,');

function assertFixture(name: string, records: OutputRecord[]): void {
  const result = JSON.parse(JSON.stringify(outputResult(records))) as ReturnType<
    typeof outputResult
  >;
  assert.equal(renderText(result), fixture(name, 'txt'));
  assert.equal(renderJson(result), fixed2G(fixture(name, 'json')));
}

describe('output: histograms match bpftrace 0.17', () => {
  it('renders hist() buckets, labels, bars and trimming (hist.bt)', () => {
    const h = new KernelMap(userMap('@h', [], HIST));
    for (const v of [
      0, 1, 2, 3, 4, 7, 8, 1023, 1024, 1025, 2047, 2048, 1048576, 1073741824, -1, -100,
    ]) {
      h.hist(NONE, BigInt(v));
    }
    const one = new KernelMap(userMap('@one', [], HIST)).hist(NONE, 5n);
    const big = new KernelMap(userMap('@big', [], HIST)).hist(NONE, 3000000000n).hist(NONE, 5n);
    const hk = new KernelMap(userMap('@hk', [i64], HIST))
      .hist(u64(1), 2n)
      .hist(u64(2), 300n)
      .hist(u64(2), 301n);
    const hs = new KernelMap(userMap('@hs', [strT(2)], HIST))
      .hist(cstr('b', 2), 64n)
      .hist(cstr('a', 2), 1n)
      .hist(cstr('a', 2), 2n)
      .hist(cstr('a', 2), 3n);
    assertFixture('hist', exitDump([h, one, big, hk, hs]));
  });

  it('renders lhist() ranges, K/M labels, under/overflow and uneven steps (lhist.bt)', () => {
    const l = new KernelMap(userMap('@l', [], lhistT(0, 100, 10)));
    for (const v of [-5, 0, 5, 15, 95, 100, 1000]) l.lhist(NONE, BigInt(v), 0, 100, 10);
    const k = new KernelMap(userMap('@k', [], lhistT(0, 10240, 1024)))
      .lhist(NONE, 1500n, 0, 10240, 1024)
      .lhist(NONE, 2500n, 0, 10240, 1024);
    const m = new KernelMap(userMap('@m', [], lhistT(0, 5242880, 1048576))).lhist(
      NONE,
      3145728n,
      0,
      5242880,
      1048576,
    );
    const odd = new KernelMap(userMap('@odd', [], lhistT(0, 10, 3)))
      .lhist(NONE, 9n, 0, 10, 3)
      .lhist(NONE, 4n, 0, 10, 3);
    const off = new KernelMap(userMap('@off', [], lhistT(5, 25, 5)))
      .lhist(NONE, 7n, 5, 25, 5)
      .lhist(NONE, 2n, 5, 25, 5)
      .lhist(NONE, 25n, 5, 25, 5);
    const mid = new KernelMap(userMap('@mid', [], lhistT(0, 100, 10))).lhist(NONE, 50n, 0, 100, 10);
    const lk = new KernelMap(userMap('@lk', [strT(2)], lhistT(0, 10, 1)))
      .lhist(cstr('x', 2), 3n, 0, 10, 1)
      .lhist(cstr('y', 2), 5n, 0, 10, 1)
      .lhist(cstr('y', 2), 6n, 0, 10, 1);
    assertFixture('lhist', exitDump([l, k, m, odd, off, mid, lk]));
  });

  it('keeps values of 2^32 and above in their own buckets (the fix bpfq follows, not 0.17)', () => {
    const map = userMap('@h', [], HIST);
    const h = new KernelMap(map).hist(NONE, 1n << 40n).hist(NONE, (1n << 63n) - 1n);
    const record: OutputRecord = {
      type: 'map',
      map: decodeMap(artifactBits, map, h.entries(), ctx),
    };
    const text = renderRecord('text', record).split('\n');
    assert.equal(text[0], '@h: ');
    assert.match(text[1] ?? '', /^\[1T, 2T\) {15}1 \|@{52}\|$/);
    assert.match(text.at(-3) ?? '', /^\[4E, 8E\) {15}1 \|@{52}\|$/);
    // header, 23 buckets [2^40, 2^41) .. [2^62, 2^63), the blank line, and after the final newline
    assert.equal(text.length, 1 + 23 + 1 + 1);
    const json = JSON.parse(renderRecord('json', record)) as {
      data: { '@h': { min: number; max: number }[] };
    };
    assert.equal(json.data['@h'].length, 23);
    assert.match(
      renderRecord('json', record),
      /\{"min": 4611686018427387904, "max": 9223372036854775807, "count": 1\}\]\}\}\n$/,
    );
  });

  it('renders an lhist that exists but is all zero as an empty array in JSON', () => {
    const map = userMap('@l', [], lhistT(0, 10, 1));
    const l = new KernelMap(map).lhist(NONE, 3n, 0, 10, 1).zero();
    const record: OutputRecord = {
      type: 'map',
      map: decodeMap(artifactBits, map, l.entries(), ctx),
    };
    assert.equal(renderRecord('json', record), '{"type": "hist", "data": {"@l": []}}\n');
    assert.equal(renderRecord('text', record), '@l: \n\n');
  });

  it('computes bar lengths in single precision as 0.17 does (hist-bars.bt)', () => {
    const source = readFileSync(
      fileURLToPath(
        new URL('../../../test/fixtures/bpftrace-output/hist-bars.bt', import.meta.url),
      ),
      'utf8',
    );
    const l = new KernelMap(userMap('@h', [], lhistT(0, 100, 1)));
    let calls = 0;
    for (const m of source.matchAll(/@h = lhist\((\d+), 0, 100, 1\);/g)) {
      l.lhist(NONE, BigInt(m[1] ?? '0'), 0, 100, 1);
      calls++;
    }
    assert.equal(calls, 1061);
    assertFixture('hist-bars', exitDump([l]));
  });

  it('puts every value in the JSON bucket whose inclusive bounds hold it (any 64-bit value)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), {
          minLength: 1,
          maxLength: 40,
        }),
        (values) => {
          const map = userMap('@h', [], HIST);
          const k = new KernelMap(map);
          for (const v of values) k.hist(NONE, v);
          const json = renderRecord('json', {
            type: 'map',
            map: decodeMap(artifactBits, map, k.entries(), ctx),
          });
          // Integers beyond 2^53 must be compared exactly: read the bounds as text.
          const buckets = [
            ...json.matchAll(/\{(?:"min": (-?\d+), )?(?:"max": (-?\d+), )?"count": (\d+)\}/g),
          ].map((m) => ({
            min: m[1] === undefined ? undefined : BigInt(m[1]),
            max: m[2] === undefined ? undefined : BigInt(m[2]),
            count: BigInt(m[3] ?? '0'),
          }));
          assert.equal(
            buckets.reduce((n, b) => n + b.count, 0n),
            BigInt(values.length),
          );
          for (const b of buckets) {
            const inside = values.filter(
              (v) => (b.min === undefined || v >= b.min) && (b.max === undefined || v <= b.max),
            );
            assert.equal(BigInt(inside.length), b.count, `bucket ${b.min}..${b.max}`);
          }
        },
      ),
    );
  });

  it('puts every value in the JSON lhist bucket whose bounds hold it when step divides the range', () => {
    const shape = fc
      .record({
        min: fc.integer({ min: 0, max: 1000 }),
        steps: fc.integer({ min: 1, max: 30 }),
        step: fc.integer({ min: 1, max: 2048 }),
      })
      .map(({ min, steps, step }) => ({ min, max: min + steps * step, step }));
    fc.assert(
      fc.property(
        shape,
        fc.array(fc.integer({ min: -5000, max: 70000 }), { minLength: 1, maxLength: 30 }),
        (b, values) => {
          const map = userMap('@l', [], lhistT(b.min, b.max, b.step));
          const k = new KernelMap(map);
          for (const v of values) k.lhist(NONE, BigInt(v), b.min, b.max, b.step);
          const json = JSON.parse(
            renderRecord('json', {
              type: 'map',
              map: decodeMap(artifactBits, map, k.entries(), ctx),
            }),
          ) as {
            data: { '@l': { min?: number; max?: number; count: number }[] };
          };
          const buckets = json.data['@l'];
          assert.equal(
            buckets.reduce((n, x) => n + x.count, 0),
            values.length,
          );
          for (const x of buckets) {
            const inside = values.filter(
              (v) => (x.min === undefined || v >= x.min) && (x.max === undefined || v <= x.max),
            );
            assert.equal(inside.length, x.count, `bucket ${x.min}..${x.max}`);
          }
        },
      ),
    );
  });
});
