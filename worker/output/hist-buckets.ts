// Which histogram buckets are printed and what each one covers; shared by the text and the
// JSON renderer, which print the same buckets (0.17 trims both the same way).
import type { HistValue, LhistBounds } from './values.js';

export interface PrintedBucket {
  /** Text label: `(..., 0)`, `[0]`, `[4, 8)`, `[1K, 2K)`, `[100, ...)`. */
  label: string;
  /** Inclusive bounds for JSON; undefined for the open end of the first/last bucket. */
  min: bigint | undefined;
  max: bigint | undefined;
  count: bigint;
}

/**
 * The buckets from the first to the last non-zero one, zeros in between included; none for
 * a histogram whose buckets are all zero. `lhist` undefined means a log2 `hist`.
 */
export function printedBuckets(value: HistValue, lhist: LhistBounds | undefined): PrintedBucket[] {
  const first = value.buckets[0];
  const last = value.buckets[value.buckets.length - 1];
  if (first === undefined || last === undefined) return [];
  const out: PrintedBucket[] = [];
  let next = 0;
  for (let i = first[0]; i <= last[0]; i++) {
    const bucket = value.buckets[next];
    let count = 0n;
    if (bucket !== undefined && bucket[0] === i) {
      count = BigInt(bucket[1]);
      next++;
    }
    out.push({ ...describe(i, lhist), count });
  }
  return out;
}

type Bounds = Omit<PrintedBucket, 'count'>;

/** Labels and bounds by histogram shape and index: the same few for every key of a map. */
const described = new Map<string, Bounds[]>();

function describe(i: number, lhist: LhistBounds | undefined): Bounds {
  const shape = lhist ? `${lhist.min}/${lhist.max}/${lhist.step}` : 'log2';
  let table = described.get(shape);
  if (table === undefined) {
    table = [];
    described.set(shape, table);
  }
  let d = table[i];
  if (d === undefined) {
    d = lhist ? lhistBucket(i, lhist) : histBucket(i);
    table[i] = d;
  }
  return d;
}

/** hist: 0 = negative, 1 = zero, i >= 2 = [2^(i-2), 2^(i-1)). */
function histBucket(i: number): Bounds {
  if (i === 0) return { label: '(..., 0)', min: undefined, max: -1n };
  if (i === 1) return { label: '[0]', min: 0n, max: 0n };
  if (i === 2) return { label: '[1]', min: 1n, max: 1n };
  const lo = i - 2;
  return {
    label: `[${powerLabel(lo)}, ${powerLabel(lo + 1)})`,
    min: 1n << BigInt(lo),
    max: (1n << BigInt(lo + 1)) - 1n,
  };
}

/** 2^p as bpftrace writes it: 2^(p mod 10) with K, M, G, T, P, E for each factor 2^10. */
function powerLabel(p: number): string {
  const suffix = ['', 'K', 'M', 'G', 'T', 'P', 'E'][Math.floor(p / 10)] ?? '';
  return `${2 ** (p % 10)}${suffix}`;
}

/** lhist: 0 = below min, 1..n = the steps, n + 1 = [max, ...), n = (max - min) / step. */
function lhistBucket(i: number, b: LhistBounds): Bounds {
  const steps = Math.floor((b.max - b.min) / b.step);
  if (i === 0)
    return { label: `(..., ${numberLabel(b.min)})`, min: undefined, max: BigInt(b.min) - 1n };
  if (i > steps)
    return { label: `[${numberLabel(b.max)}, ...)`, min: BigInt(b.max), max: undefined };
  const lo = b.min + (i - 1) * b.step;
  const hi = lo + b.step;
  return {
    label: `[${numberLabel(lo)}, ${numberLabel(hi)})`,
    min: BigInt(lo),
    max: BigInt(hi) - 1n,
  };
}

/** 0.17's lhist numbers: `NM` when a multiple of 2^20, `NK` when a multiple of 1024. */
function numberLabel(n: number): string {
  if (n !== 0 && n % 1048576 === 0) return `${n / 1048576}M`;
  if (n !== 0 && n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}
