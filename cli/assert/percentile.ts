// Statistics of a histogram known only by its buckets (bpftrace's hist() and lhist() in
// JSON: inclusive integer bounds, `min` missing on the below-range bucket and `max` missing
// on lhist's overflow bucket).
//
// Percentiles interpolate linearly inside the bucket that holds the wanted rank, assuming
// the samples are spread evenly across it. The true nearest-rank percentile lies in that
// same bucket (cumulative counts are integers, so the first bucket whose cumulative count
// reaches p/100*N also reaches the ceiling of it), so the estimate is off by at most the
// bucket's width minus one: for hist() that is 2^k - 1 in [2^k, 2^(k+1)), less than the
// true value itself; for lhist() it is step - 1. Buckets [0] and [1] give exact answers.
// docs/ci.md states the same bound for users.

export interface Bucket {
  /** Smallest value counted here (inclusive); undefined for the below-range bucket. */
  readonly min: number | undefined;
  /** Largest value counted here (inclusive); undefined for lhist's overflow bucket. */
  readonly max: number | undefined;
  readonly count: number;
}

export interface Estimate {
  readonly value: number;
  /**
   * 'estimate': interpolated inside a bounded bucket (error bound above).
   * 'at-least' / 'at-most': the rank fell into an open-ended bucket, so only its one
   * finite bound is known and the value is that bound.
   */
  readonly quality: 'exact' | 'estimate' | 'at-least' | 'at-most';
  /** The bucket the value came from, in bpftrace's text notation. */
  readonly bucket: string;
}

export function totalCount(buckets: readonly Bucket[]): number {
  return buckets.reduce((n, b) => n + b.count, 0);
}

/** Adds buckets with the same bounds together (a keyed hist asked about as a whole). */
export function mergeBuckets(lists: readonly (readonly Bucket[])[]): Bucket[] {
  const byBounds = new Map<
    string,
    { min: number | undefined; max: number | undefined; count: number }
  >();
  for (const list of lists) {
    for (const b of list) {
      const id = `${b.min ?? '-inf'}:${b.max ?? 'inf'}`;
      const seen = byBounds.get(id);
      if (seen) seen.count += b.count;
      else byBounds.set(id, { min: b.min, max: b.max, count: b.count });
    }
  }
  return [...byBounds.values()].sort((a, b) => lowerOf(a) - lowerOf(b) || upperOf(a) - upperOf(b));
}

function lowerOf(b: Bucket): number {
  return b.min ?? -Infinity;
}

function upperOf(b: Bucket): number {
  return b.max ?? Infinity;
}

export function bucketLabel(b: Bucket): string {
  if (b.min === undefined) return `(..., ${b.max === undefined ? '...' : b.max + 1})`;
  if (b.max === undefined) return `[${b.min}, ...)`;
  if (b.min === b.max) return `[${b.min}]`;
  return `[${b.min}, ${b.max + 1})`;
}

/** The p-th percentile (0..100) by interpolation; undefined when the histogram is empty. */
export function percentile(buckets: readonly Bucket[], p: number): Estimate | undefined {
  const n = totalCount(buckets);
  if (n === 0) return undefined;
  const target = (p / 100) * n;
  let cumulative = 0;
  for (const b of buckets) {
    if (b.count === 0) continue;
    if (cumulative + b.count >= target) {
      const fraction = Math.min(1, Math.max(0, (target - cumulative) / b.count));
      return pointIn(b, fraction);
    }
    cumulative += b.count;
  }
  // Unreachable with p <= 100 (the last non-empty bucket reaches n), kept for p rounding.
  const last = [...buckets].reverse().find((b) => b.count > 0);
  return last && pointIn(last, 1);
}

function pointIn(b: Bucket, fraction: number): Estimate {
  const bucket = bucketLabel(b);
  if (b.min === undefined) return { value: b.max ?? 0, quality: 'at-most', bucket };
  if (b.max === undefined) return { value: b.min, quality: 'at-least', bucket };
  if (b.min === b.max) return { value: b.min, quality: 'exact', bucket };
  return { value: b.min + fraction * (b.max - b.min), quality: 'estimate', bucket };
}

/** Smallest value that may have been counted: the lower bound of the first non-empty bucket. */
export function minimum(buckets: readonly Bucket[]): Estimate | undefined {
  const first = buckets.find((b) => b.count > 0);
  return first && pointIn(first, 0);
}

/** Largest value that may have been counted: the upper bound of the last non-empty bucket. */
export function maximum(buckets: readonly Bucket[]): Estimate | undefined {
  const last = [...buckets].reverse().find((b) => b.count > 0);
  return last && pointIn(last, 1);
}

/**
 * Sum estimated with every sample at its bucket's midpoint (open buckets at their finite
 * bound); off by at most half a bucket width per sample.
 */
export function estimatedSum(buckets: readonly Bucket[]): number {
  let sum = 0;
  for (const b of buckets) {
    if (b.count === 0) continue;
    const mid =
      b.min === undefined ? (b.max ?? 0) : b.max === undefined ? b.min : (b.min + b.max) / 2;
    sum += mid * b.count;
  }
  return sum;
}
