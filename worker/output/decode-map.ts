// A user map's raw entries into a MapValue in bpftrace 0.17's print order.
//
// Layouts (MapArtifact.key / .value, compiler/types.ts sizes):
//  - The key is the user key parts packed one after another (0.17 packs them; integers are
//    already 8 bytes); a scalar map's key bytes are ignored.
//  - hist/lhist append a u64 bucket index to the user key; the value is the bucket's count.
//  - avg/stats with an 8-byte value append a u64 index too (0 = count, 1 = total, as 0.17);
//    with a 16-byte value the value is {i64 total; u64 count} (the later, one-entry layout).
//  - min/max with a 16-byte value are {i64 value; u64 is_set} (the fixed layout: a CPU that
//    never ran the probe has is_set 0 and is skipped); with 8 bytes the value itself.
//  - Per-CPU maps give one value per CPU: counts, sums and buckets are summed.
import type { Artifact, MapArtifact } from '../../compiler/artifact.js';
import { sizeOf, type SizedType } from '../../compiler/types.js';
import { readInt, readUint } from './bytes.js';
import { decodeKeyPart, decodeValue, type DecodeEnv } from './decode-value.js';
import type { DecodeContext, RawMapEntry } from './events.js';
import type {
  EntryValue,
  HistValue,
  MapEntry,
  MapKind,
  MapValue,
  StatsValue,
  Value,
} from './values.js';

interface Grouped {
  keyBytes: Uint8Array;
  key: Value[];
  /** Sort value for value-sorted kinds. */
  sortValue: bigint;
  value: EntryValue;
}

/** Decodes and sorts a user map's entries (as read from the kernel) for printing. */
export function decodeMap(
  artifact: Pick<Artifact, 'probeNames' | 'strftime'>,
  map: MapArtifact,
  entries: readonly RawMapEntry[],
  ctx: DecodeContext,
): MapValue {
  const env: DecodeEnv = { artifact, ctx };
  const valueType: SizedType = map.value ?? { kind: 'int', size: 8, signed: true };
  const keyTypes = map.key ?? [];
  const kind = mapKind(valueType);
  const userKeySize = keyTypes.reduce((n, t) => n + sizeOf(t), 0);
  // 0.17 prints an integer key part as a signed 64-bit number whatever its type: keys are
  // widened to 8 bytes, so `@[(uint64)-1]` prints -1 while `@[(uint32)-1]` prints 4294967295.
  const shownKeyTypes = keyTypes.map((t): SizedType =>
    t.kind === 'int' && t.size === 8 ? { ...t, signed: true } : t,
  );

  const groups = new Map<
    string,
    { keyBytes: Uint8Array; rows: { index: number; entry: RawMapEntry }[] }
  >();
  const hasIndex =
    kind === 'hist' ||
    kind === 'lhist' ||
    ((kind === 'avg' || kind === 'stats') && map.valueSize < 16);
  for (const entry of entries) {
    const keyBytes = keyTypes.length === 0 ? new Uint8Array(0) : entry.key.subarray(0, userKeySize);
    const index = hasIndex
      ? Number(readUint(entry.key, keyTypes.length === 0 ? 0 : userKeySize, 8))
      : 0;
    const id = Buffer.from(keyBytes).toString('hex');
    let group = groups.get(id);
    if (group === undefined) {
      group = { keyBytes, rows: [] };
      groups.set(id, group);
    }
    group.rows.push({ index, entry });
  }

  const result: Grouped[] = [];
  for (const { keyBytes, rows } of groups.values()) {
    const key = decodeKey(shownKeyTypes, keyBytes, env);
    const { value, sortValue } = combine(kind, valueType, map.valueSize, rows, env);
    result.push({ keyBytes, key, sortValue, value });
  }

  const byKey = (a: Grouped, b: Grouped): number => compareKeys(keyTypes, a.keyBytes, b.keyBytes);
  if (sortsByValue(kind, valueType)) {
    result.sort((a, b) =>
      a.sortValue < b.sortValue ? -1 : a.sortValue > b.sortValue ? 1 : byKey(a, b),
    );
  } else {
    result.sort(byKey);
  }

  const out: MapValue = {
    name: map.name,
    kind,
    keyed: keyTypes.length > 0,
    entries: result.map((g): MapEntry => ({ key: g.key, value: g.value })),
  };
  if (valueType.kind === 'lhist') {
    out.lhist = { min: valueType.min, max: valueType.max, step: valueType.step };
  }
  return out;
}

export function mapKind(t: SizedType): MapKind {
  switch (t.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return t.kind;
    default:
      return 'plain';
  }
}

/** 0.17 sorts integer-valued maps and aggregations by value; everything else by key. */
function sortsByValue(kind: MapKind, t: SizedType): boolean {
  return kind !== 'plain' || t.kind === 'int';
}

function decodeKey(types: readonly SizedType[], bytes: Uint8Array, env: DecodeEnv): Value[] {
  const key: Value[] = [];
  let offset = 0;
  for (const t of types) {
    key.push(decodeKeyPart(t, bytes, offset, env));
    offset += sizeOf(t);
  }
  return key;
}

/**
 * 0.17's key order: field by field, the first most significant; integers compare as
 * unsigned (so -1 sorts after 5), strings as C strings (strncmp), anything else bytewise.
 */
function compareKeys(types: readonly SizedType[], a: Uint8Array, b: Uint8Array): number {
  let offset = 0;
  for (const t of types) {
    const size = sizeOf(t);
    let c: number;
    if (t.kind === 'int') {
      const x = readUint(a, offset, t.size);
      const y = readUint(b, offset, t.size);
      c = x < y ? -1 : x > y ? 1 : 0;
    } else if (t.kind === 'string') {
      c = compareBytes(cStr(a, offset, size), cStr(b, offset, size));
    } else {
      c = compareBytes(a.subarray(offset, offset + size), b.subarray(offset, offset + size));
    }
    if (c !== 0) return c;
    offset += size;
  }
  return 0;
}

function cStr(bytes: Uint8Array, offset: number, size: number): Uint8Array {
  const s = bytes.subarray(offset, offset + size);
  const nul = s.indexOf(0);
  return nul < 0 ? s : s.subarray(0, nul);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function signedOf(t: SizedType): boolean {
  switch (t.kind) {
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
      return t.signed;
    default:
      return false;
  }
}

/** Sum of the u64/i64 at `offset` over every CPU's value. */
function sumCpus(entry: RawMapEntry, offset: number, signed: boolean): bigint {
  let total = 0n;
  for (const v of entry.perCpuValues) total += readInt(v, offset, 8, signed);
  return signed ? BigInt.asIntN(64, total) : BigInt.asUintN(64, total);
}

function combine(
  kind: MapKind,
  t: SizedType,
  valueSize: number,
  rows: readonly { index: number; entry: RawMapEntry }[],
  env: DecodeEnv,
): { value: EntryValue; sortValue: bigint } {
  const signed = signedOf(t);
  switch (kind) {
    case 'count':
    case 'sum': {
      const v = rows.reduce((n, r) => n + sumCpus(r.entry, 0, signed), 0n);
      return { value: { t: 'int', v: v.toString() }, sortValue: v };
    }
    case 'min':
    case 'max': {
      let best: bigint | undefined;
      for (const { entry } of rows) {
        for (const cpu of entry.perCpuValues) {
          if (valueSize >= 16 && readUint(cpu, 8, 8) === 0n) continue;
          const v = readInt(cpu, 0, 8, signed);
          if (best === undefined || (kind === 'min' ? v < best : v > best)) best = v;
        }
      }
      const v = best ?? 0n;
      return { value: { t: 'int', v: v.toString() }, sortValue: v };
    }
    case 'avg':
    case 'stats': {
      let count = 0n;
      let total = 0n;
      for (const { index, entry } of rows) {
        if (valueSize >= 16) {
          total += sumCpus(entry, 0, signed);
          count += sumCpus(entry, 8, false);
        } else if (index === 0) {
          count += sumCpus(entry, 0, false);
        } else {
          total += sumCpus(entry, 0, signed);
        }
      }
      // C integer division truncates toward zero, as BigInt division does.
      const average = count === 0n ? 0n : total / count;
      const value: StatsValue = {
        t: 'stats',
        count: count.toString(),
        total: total.toString(),
        average: average.toString(),
      };
      return { value, sortValue: average };
    }
    case 'hist':
    case 'lhist': {
      const counts = new Map<number, bigint>();
      for (const { index, entry } of rows) {
        counts.set(index, (counts.get(index) ?? 0n) + sumCpus(entry, 0, false));
      }
      const buckets: HistValue['buckets'] = [...counts.entries()]
        .filter(([, c]) => c !== 0n)
        .sort(([a], [b]) => a - b)
        .map(([i, c]) => [i, c.toString()]);
      const total = [...counts.values()].reduce((n, c) => n + c, 0n);
      return { value: { t: 'hist', buckets }, sortValue: total };
    }
    case 'plain': {
      const row = rows[0];
      const bytes = row?.entry.perCpuValues[0] ?? new Uint8Array(valueSize);
      const value = decodeValue(t, bytes, 0, env);
      const sortValue = t.kind === 'int' ? readInt(bytes, 0, t.size, t.signed) : 0n;
      return { value, sortValue };
    }
  }
}
