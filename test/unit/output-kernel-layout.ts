// Test support for the output tests: fixture files captured from bpftrace 0.17, and map
// entries / event bytes laid out as the kernel side leaves them (per-CPU slots, hist bucket
// index key parts, avg/stats count+total entries), so the decoder is tested from bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ARTIFACT_VERSION, type Artifact, type MapArtifact } from '../../compiler/artifact.js';
import { sizeOf, type SizedType } from '../../compiler/types.js';
import type { DecodeContext, RawMapEntry } from '../../worker/output/index.js';
import { noSymbols } from '../../worker/output/index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/bpftrace-output/', import.meta.url));

/** What bpftrace 0.17 printed for NAME.bt: `txt` (text) or `json` (-f json). */
export function fixture(name: string, ext: 'txt' | 'json'): string {
  return readFileSync(FIXTURES + name + '.' + ext, 'utf8');
}

export const i64: SizedType = { kind: 'int', size: 8, signed: true };
export const u64t: SizedType = { kind: 'int', size: 8, signed: false };
export const strT = (size: number): SizedType => ({ kind: 'string', size });

export function u64(v: bigint | number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  return b;
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

/** A NUL-padded char array of `size` bytes. */
export function cstr(s: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(new TextEncoder().encode(s).subarray(0, size));
  return b;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const ctx: DecodeContext = {
  symbolizer: noSymbols,
  readStack: () => undefined,
};

export const artifactBits = { probeNames: ['BEGIN'], strftime: [] as string[] };

/** A user map as code generation describes it (0.17 sizes: extra u64 key part for hist/lhist/avg/stats). */
export function userMap(
  name: string,
  key: SizedType[],
  value: SizedType,
  valueSize = sizeOf(value),
): MapArtifact {
  const extra =
    ['hist', 'lhist'].includes(value.kind) ||
    (['avg', 'stats'].includes(value.kind) && valueSize === 8)
      ? 8
      : 0;
  const userKey = key.reduce((n, t) => n + sizeOf(t), 0);
  return {
    name,
    kernelName: 'AT_' + name.slice(1),
    role: 'user',
    type: ['int', 'string', 'tuple'].includes(value.kind) ? 'hash' : 'percpu_hash',
    keySize: key.length === 0 ? 8 + extra : userKey + extra,
    valueSize,
    maxEntries: 4096,
    flags: 0,
    key,
    value,
  };
}

/**
 * A BPF map as the kernel holds it after a script ran: each update lands on the next CPU in
 * turn (two CPUs), so decoding must sum or combine the per-CPU slots.
 */
export class KernelMap {
  private readonly rows = new Map<string, { key: Uint8Array; cpus: Uint8Array[] }>();
  private nextCpu = 0;
  constructor(
    readonly map: MapArtifact,
    readonly ncpus = 2,
  ) {}

  private row(key: Uint8Array): { key: Uint8Array; cpus: Uint8Array[] } {
    const id = Buffer.from(key).toString('hex');
    let r = this.rows.get(id);
    if (r === undefined) {
      const n = this.map.type.startsWith('percpu') ? this.ncpus : 1;
      r = { key, cpus: Array.from({ length: n }, () => new Uint8Array(this.map.valueSize)) };
      this.rows.set(id, r);
    }
    return r;
  }

  private cpuSlot(key: Uint8Array): Uint8Array {
    const r = this.row(key);
    const slot = r.cpus[this.nextCpu % r.cpus.length];
    this.nextCpu++;
    if (slot === undefined) throw new Error('no cpu slot');
    return slot;
  }

  /** `+= delta` on the u64 at byte `offset` of the value, on one CPU. */
  add(key: Uint8Array, delta: bigint, offset = 0): this {
    const slot = this.cpuSlot(key);
    const dv = new DataView(slot.buffer, slot.byteOffset);
    dv.setBigUint64(offset, BigInt.asUintN(64, dv.getBigUint64(offset, true) + delta), true);
    return this;
  }

  set(key: Uint8Array, value: Uint8Array): this {
    for (const slot of this.row(key).cpus) slot.set(value);
    return this;
  }

  /** min/max in the fixed layout {i64 value; u64 is_set}, on one CPU. */
  minMax(key: Uint8Array, v: bigint, kind: 'min' | 'max'): this {
    const slot = this.cpuSlot(key);
    const dv = new DataView(slot.buffer, slot.byteOffset);
    const set = dv.getBigUint64(8, true) !== 0n;
    const cur = dv.getBigInt64(0, true);
    if (!set || (kind === 'min' ? v < cur : v > cur)) {
      dv.setBigInt64(0, v, true);
      dv.setBigUint64(8, 1n, true);
    }
    return this;
  }

  /** 0.17's avg/stats: the count under key+0, the total under key+1. */
  stats(key: Uint8Array, v: bigint): this {
    this.add(cat(key, u64(0)), 1n);
    return this.add(cat(key, u64(1)), v);
  }

  /** hist: bucket 0 for negatives, 1 for zero, 2 + floor(log2 v) otherwise (full 64-bit). */
  hist(key: Uint8Array, v: bigint): this {
    let index: number;
    if (v < 0n) index = 0;
    else if (v === 0n) index = 1;
    else index = 2 + v.toString(2).length - 1;
    return this.add(cat(key, u64(index)), 1n);
  }

  /** lhist: 0 below min, 1 + (v-min)/step inside, 1 + (max-min)/step at or above max. */
  lhist(key: Uint8Array, v: bigint, min: number, max: number, step: number): this {
    let index: bigint;
    if (v < BigInt(min)) index = 0n;
    else if (v > BigInt(max)) index = 1n + BigInt(Math.floor((max - min) / step));
    else index = 1n + (v - BigInt(min)) / BigInt(step);
    return this.add(cat(key, u64(index)), 1n);
  }

  /** The entries in reverse insertion order: hash iteration order is arbitrary. */
  entries(): RawMapEntry[] {
    return [...this.rows.values()].reverse().map((r) => ({ key: r.key, perCpuValues: r.cpus }));
  }

  /** zero(): every value set to 0, keys kept. */
  zero(): this {
    for (const r of this.rows.values()) for (const c of r.cpus) c.fill(0);
    return this;
  }

  /** clear(): every key deleted. */
  clear(): this {
    this.rows.clear();
    return this;
  }
}

/** An artifact with only the tables event decoding reads filled in. */
export function artifactWith(tables: Partial<Artifact>): Artifact {
  return {
    format: 'bpfq-artifact',
    version: ARTIFACT_VERSION,
    source: { name: 'test.bt', text: '' },
    probeCount: 1,
    programs: [],
    maps: [],
    printf: [],
    system: [],
    cat: [],
    time: [],
    strftime: [],
    join: [],
    printValue: [],
    probeNames: ['BEGIN'],
    needs: { unsafe: false, cpid: false, elapsed: false },
    config: { strlen: 64, mapKeysMax: 4096, perfRbPages: 64 },
    ...tables,
  };
}

/** Event bytes: `size` zero bytes with the u64 action id at 0 and each part at its offset. */
export function eventBytes(
  size: number,
  id: number,
  parts: [offset: number, bytes: Uint8Array][],
): Uint8Array {
  const out = new Uint8Array(size);
  out.set(u64(id), 0);
  for (const [offset, bytes] of parts) out.set(bytes, offset);
  return out;
}
