// Values resolved in user space (ntop, strerror, probe, username, buf) and printf's corner
// cases, against what bpftrace 0.17 printed (other-values.bt, printf-edge.bt), plus the
// pieces that need no kernel at all: inet_ntop, strftime, formatPrintf.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FormatSpec } from '../../compiler/artifact.js';
import type { SizedType } from '../../compiler/types.js';
import {
  ASYNC_ACTION,
  decodeEvent,
  decodeMap,
  decodeValue,
  formatPrintf,
  renderRecords,
  type DecodeContext,
  type OutputRecord,
} from '../../worker/output/index.js';
import { formatInet } from '../../worker/output/inet.js';
import { strftime } from '../../worker/output/strftime.js';
import {
  artifactWith,
  cat,
  cstr,
  ctx,
  eventBytes,
  fixture,
  KernelMap,
  u32,
  u64,
  userMap,
} from './output-kernel-layout.js';

const INET: SizedType = { kind: 'inet' };
const root: DecodeContext = { ...ctx, userName: (uid) => (uid === 0 ? 'root' : undefined) };

function inet(af: number, addr: number[]): Uint8Array {
  const b = new Uint8Array(24);
  b.set(u32(af), 0);
  b.set(addr, 8);
  return b;
}

const v6 = (...words: number[]): number[] => words.flatMap((w) => [w >> 8, w & 0xff]);

/**
 * 0.17 leaves strerror values unquoted in JSON (invalid JSON); bpfq quotes them, as it does
 * strftime values. The expected JSON is 0.17's with exactly these values quoted.
 */
const quoteStrerror = (json: string): string =>
  json.replace(/"data": (No such file or directory|Connection timed out)\}/g, '"data": "$1"}');

describe('output: user-space values match bpftrace 0.17', () => {
  it('renders ntop, strerror, probe, username and buf (other-values.bt)', () => {
    const buf4: SizedType = { kind: 'buffer', size: 4 };
    const buf3: SizedType = { kind: 'buffer', size: 3 };
    const printValue: SizedType[] = [
      INET,
      INET,
      INET,
      INET,
      { kind: 'strerror' },
      { kind: 'strerror' },
      { kind: 'probe' },
      { kind: 'username' },
      buf3,
    ];
    const printf: FormatSpec[] = [
      {
        format: '%s %s %s\n',
        args: [
          { type: INET, offset: 8 },
          { type: { kind: 'strerror' }, offset: 32 },
          { type: { kind: 'probe' }, offset: 40 },
        ],
        size: 48,
      },
    ];
    const b = new KernelMap(userMap('@b', [], buf4)).set(
      u64(0),
      cat(new Uint8Array([4]), cstr('ab\x01c', 4)),
    );
    const u = new KernelMap(
      userMap('@u', [{ kind: 'username' }], { kind: 'count', signed: false }),
    ).add(u64(0), 1n);
    const artifact = artifactWith({ printValue, printf, maps: [b.map, u.map] });
    const value = (id: number, bytes: Uint8Array): Uint8Array =>
      eventBytes(16 + bytes.length, ASYNC_ACTION.printNonMap, [
        [8, u64(id)],
        [16, bytes],
      ]);
    const events = [
      value(0, inet(2, [127, 0, 0, 1])),
      value(1, inet(10, v6(0, 0, 0, 0, 0, 0, 0, 1))),
      value(2, inet(10, v6(0xfe80, 0, 0, 0, 0, 0, 1, 2))),
      value(3, inet(10, v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1))),
      value(4, u64(2)),
      value(5, u64(110)),
      value(6, u64(0)),
      value(7, u64(0)),
      eventBytes(48, ASYNC_ACTION.printf, [
        [8, inet(2, [127, 0, 0, 1])],
        [32, u64(13)],
        [40, u64(0)],
      ]),
      value(8, cat(new Uint8Array([3]), cstr('a\tb', 3))),
    ];
    const records: OutputRecord[] = [{ type: 'attached_probes', probes: 1 }];
    for (const e of events) {
      const d = decodeEvent(artifact, e, root);
      assert.equal(d.kind, 'output');
      if (d.kind === 'output') records.push(d.record);
    }
    records.push({ type: 'end' });
    for (const k of [b, u])
      records.push({ type: 'map', map: decodeMap(artifact, k.map, k.entries(), root) });
    assert.equal(renderRecords('text', records), fixture('other-values', 'txt'));
    assert.equal(renderRecords('json', records), quoteStrerror(fixture('other-values', 'json')));
  });

  it('renders structs and arrays by value (record-values.bt)', () => {
    const u32t: SizedType = { kind: 'int', size: 4, signed: false };
    const loadWeight: SizedType = {
      kind: 'record',
      name: 'load_weight',
      size: 16,
      fields: [
        { name: 'weight', offset: 0, type: { kind: 'int', size: 8, signed: false } },
        { name: 'inv_weight', offset: 8, type: u32t },
      ],
    };
    const ints: SizedType = {
      kind: 'array',
      elem: { kind: 'int', size: 4, signed: true },
      count: 2,
      size: 8,
    };
    const p: SizedType = {
      kind: 'record',
      name: 'P',
      size: 12,
      fields: [
        { name: 'a', offset: 0, type: ints },
        { name: 'c', offset: 8, type: { kind: 'int', size: 1, signed: true } },
      ],
    };
    const loadBytes = cat(u64(1048576), u32(4194304), new Uint8Array(4));
    const intBytes = cat(u32(30007), u32(0));
    const l = new KernelMap(userMap('@l', [], loadWeight)).set(u64(0), loadBytes);
    const arr = new KernelMap(userMap('@arr', [], ints)).set(u64(0), intBytes);
    const artifact = artifactWith({ printValue: [loadWeight, ints, p], maps: [l.map, arr.map] });
    const value = (id: number, bytes: Uint8Array): Uint8Array =>
      eventBytes(16 + bytes.length, ASYNC_ACTION.printNonMap, [
        [8, u64(id)],
        [16, bytes],
      ]);
    const records: OutputRecord[] = [{ type: 'attached_probes', probes: 1 }];
    for (const e of [
      value(0, loadBytes),
      value(1, intBytes),
      value(2, cat(intBytes, new Uint8Array([2, 0, 0, 0]))),
    ]) {
      const d = decodeEvent(artifact, e, ctx);
      if (d.kind === 'output') records.push(d.record);
    }
    records.push({ type: 'end' });
    for (const k of [arr, l])
      records.push({ type: 'map', map: decodeMap(artifact, k.map, k.entries(), ctx) });
    assert.equal(renderRecords('text', records), fixture('record-values', 'txt'));
    assert.equal(renderRecords('json', records), fixture('record-values', 'json'));
  });

  it('formats printf pieces as 0.17 hands them to snprintf (printf-edge.bt)', () => {
    const buf = (s: string): { kind: 'buf'; bytes: Uint8Array } => ({
      kind: 'buf',
      bytes: new TextEncoder().encode(s),
    });
    const int = (v: bigint): { kind: 'int'; v: bigint } => ({ kind: 'int', v });
    const str = (v: string): { kind: 'str'; v: string } => ({ kind: 'str', v });
    const lines = [
      formatPrintf('a%%b\n', []),
      formatPrintf('%d%%%d%%\n', [int(1n), int(2n)]),
      formatPrintf('x%%y %s %%z\n', [str('s')]),
      formatPrintf('%5%|%d\n', [int(3n)]),
      formatPrintf('[%c]\n', [int(0n)]),
      formatPrintf('[%s]\n', [str('')]),
      formatPrintf('[%-3s|%3s]\n', [str('abcdef'), str('abcdef')]),
      formatPrintf('%r|%rx|%rh\n', [buf('ab\x01c'), buf('ab'), buf('ab\x01c')]),
      formatPrintf('%%d %d\n', [int(5n), int(6n)]),
    ];
    const records: OutputRecord[] = [
      { type: 'attached_probes', probes: 1 },
      ...lines.map((text): OutputRecord => ({ type: 'printf', text })),
      { type: 'end' },
    ];
    assert.equal(renderRecords('text', records), fixture('printf-edge', 'txt'));
    assert.equal(renderRecords('json', records), fixture('printf-edge', 'json'));
  });

  it('prints pointers as glibc does, (nil) for null', () => {
    assert.equal(
      formatPrintf('%p|%5p|%-20p|', [
        { kind: 'int', v: 0n },
        { kind: 'int', v: 0n },
        { kind: 'int', v: 4096n },
      ]),
      '(nil)|(nil)|0x1000              |',
    );
  });

  it('writes IPv6 addresses as inet_ntop does', () => {
    const six = (...w: number[]): string => formatInet(10, new Uint8Array(v6(...w)));
    assert.equal(six(0, 0, 0, 0, 0, 0, 0, 0), '::');
    assert.equal(six(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001), '::ffff:10.0.0.1');
    assert.equal(six(1, 0, 0, 2, 0, 0, 0, 3), '1:0:0:2::3');
    assert.equal(six(1, 2, 3, 4, 5, 6, 7, 8), '1:2:3:4:5:6:7:8');
    assert.equal(six(1, 0, 2, 3, 4, 5, 6, 7), '1:0:2:3:4:5:6:7');
    assert.equal(formatInet(2, new Uint8Array([10, 1, 2, 3])), '10.1.2.3');
  });

  it('formats strftime with %f microseconds in local time', () => {
    const at = new Date(2026, 0, 5, 7, 8, 9, 123);
    const ns = BigInt(at.getTime()) * 1_000_000n + 456_789n;
    assert.equal(strftime('%Y-%m-%d %H:%M:%S.%f', ns), '2026-01-05 07:08:09.123456');
    assert.equal(strftime('%a %b %e %j %y %I%p %%', ns), 'Mon Jan  5 005 26 07AM %');
    assert.equal(strftime('%T|%D|%F|%R', ns), '07:08:09|01/05/26|2026-01-05|07:08');
  });

  it('numbers weeks as glibc does (%U %W %V %G %g %j %u %w)', () => {
    // Expected values from GNU date on Debian 12 (`date -d "DAY 12:00" "+%U %W %V %G %g %j %u %w"`).
    const cases: [number, number, number, string][] = [
      [2026, 1, 1, '00 00 01 2026 26 001 4 4'],
      [2027, 1, 3, '01 00 53 2026 26 003 7 0'],
      [2024, 12, 30, '52 53 01 2025 25 365 1 1'],
      [2026, 11, 25, '47 47 48 2026 26 329 3 3'],
      [2021, 1, 3, '01 00 53 2020 20 003 7 0'],
    ];
    for (const [y, m, day, want] of cases) {
      const ns = BigInt(new Date(y, m - 1, day, 12).getTime()) * 1_000_000n;
      assert.equal(strftime('%U %W %V %G %g %j %u %w', ns), want, `${y}-${m}-${day}`);
    }
  });

  it('quotes strftime values in JSON, where 0.17 printed them bare', () => {
    const artifact = artifactWith({ strftime: ['%H:%M'], printValue: [{ kind: 'timestamp' }] });
    const c: DecodeContext = { ...ctx, wallClockNs: (ns) => ns };
    const when = BigInt(new Date(2026, 10, 25, 14, 52).getTime()) * 1_000_000n;
    const ev = eventBytes(32, ASYNC_ACTION.printNonMap, [
      [8, u64(0)],
      [16, u64(0)],
      [24, u64(when)],
    ]);
    const d = decodeEvent(artifact, ev, c);
    assert.equal(d.kind, 'output');
    if (d.kind !== 'output') return;
    assert.equal(renderRecords('text', [d.record]), '14:52\n');
    assert.equal(renderRecords('json', [d.record]), '{"type": "value", "data": "14:52"}\n');
  });

  it('decodes user symbols with and without a live process', () => {
    const c: DecodeContext = {
      ...ctx,
      symbolizer: {
        kernel: () => undefined,
        user: (pid, addr) =>
          pid === 42 ? { name: 'main', offset: addr - 0x401000n, module: '/bin/x' } : undefined,
      },
    };
    const env = { artifact: artifactWith({}), ctx: c };
    const usym = (pid: number): string => {
      const v = decodeValue({ kind: 'usym' }, cat(u64(0x401010), u64(pid)), 0, env);
      return v.t === 'str' ? v.v : '';
    };
    assert.equal(usym(42), 'main');
    assert.equal(usym(7), '0x401010');
    const ksym = decodeValue({ kind: 'ksym' }, u64(0xffffffff81000000n), 0, env);
    assert.deepEqual(ksym, { t: 'str', v: '0xffffffff81000000' });
  });
});

describe('output: struct bitfields', () => {
  it('extracts bitfields from their storage bytes', () => {
    const rec: SizedType = {
      kind: 'record',
      name: 'flags',
      size: 4,
      fields: [
        {
          name: 'lo',
          offset: 0,
          type: { kind: 'int', size: 4, signed: false },
          bitOffset: 0,
          bitSize: 3,
        },
        {
          name: 'mid',
          offset: 0,
          type: { kind: 'int', size: 4, signed: true },
          bitOffset: 3,
          bitSize: 4,
        },
        {
          name: 'hi',
          offset: 1,
          type: { kind: 'int', size: 4, signed: false },
          bitOffset: 1,
          bitSize: 9,
        },
      ],
    };
    // lo = 0b101 (5), mid = 0b1110 (-2 as 4-bit signed), hi = 0b100000001 (257) at bit 9.
    const word = 5 | (0b1110 << 3) | (257 << 9);
    const v = decodeValue(rec, u32(word), 0, { artifact: artifactWith({}), ctx });
    assert.deepEqual(v, {
      t: 'record',
      fields: [
        { name: 'lo', value: { t: 'int', v: '5' } },
        { name: 'mid', value: { t: 'int', v: '-2' } },
        { name: 'hi', value: { t: 'int', v: '257' } },
      ],
    });
  });
});

describe('output: bytes that are not UTF-8', () => {
  it('prints a %c byte >= 0x80 as U+FFFD taking one column', () => {
    const c = (v: bigint): { kind: 'int'; v: bigint } => ({ kind: 'int', v });
    assert.equal(
      formatPrintf('[%3c][%-2c][%c]', [c(200n), c(255n), c(65n)]),
      '[  \uFFFD][\uFFFD ][A]',
    );
  });
});
