// Percentiles estimated from hist()/lhist() buckets against the exact nearest-rank
// percentiles of the samples that filled them: the estimate must stay within the bound
// docs/ci.md promises (the width of the bucket holding the true value, minus one), and an
// open-ended bucket must give a true bound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maximum, minimum, percentile, type Bucket } from '../../cli/assert/percentile.js';

/** bpftrace's hist(): (..., 0), [0], [1], then [2^k, 2^(k+1)). */
function log2Buckets(samples: readonly number[]): Bucket[] {
  const byIndex = new Map<number, Bucket>();
  for (const v of samples) {
    let min: number | undefined;
    let max: number | undefined;
    let index: number;
    if (v < 0) [index, min, max] = [-1, undefined, -1];
    else if (v < 2) [index, min, max] = [v, v, v];
    else {
      const k = Math.floor(Math.log2(v));
      [index, min, max] = [k + 1, 2 ** k, 2 ** (k + 1) - 1];
    }
    const b = byIndex.get(index);
    byIndex.set(index, { min, max, count: (b?.count ?? 0) + 1 });
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
}

/** bpftrace's lhist(v, lo, hi, step) with hi - lo a multiple of step. */
function linearBuckets(samples: readonly number[], lo: number, hi: number, step: number): Bucket[] {
  const byIndex = new Map<number, Bucket>();
  for (const v of samples) {
    let entry: [number, number | undefined, number | undefined];
    if (v < lo) entry = [-1, undefined, lo - 1];
    else if (v >= hi) entry = [Number.MAX_SAFE_INTEGER, hi, undefined];
    else {
      const i = Math.floor((v - lo) / step);
      entry = [i, lo + i * step, lo + i * step + step - 1];
    }
    const [index, min, max] = entry;
    const b = byIndex.get(index);
    byIndex.set(index, { min, max, count: (b?.count ?? 0) + 1 });
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
}

function nearestRank(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function withinBound(buckets: Bucket[], samples: number[], p: number): void {
  const est = percentile(buckets, p);
  assert.ok(est, 'no estimate for a non-empty histogram');
  const exact = nearestRank(samples, p);
  const holding = buckets.find(
    (b) =>
      b.count > 0 &&
      (b.min === undefined || exact >= b.min) &&
      (b.max === undefined || exact <= b.max),
  );
  assert.ok(holding, `no bucket holds ${exact}`);
  switch (est.quality) {
    case 'at-least':
      assert.ok(exact >= est.value, `p${p}: ${exact} is below the bound ${est.value}`);
      break;
    case 'at-most':
      assert.ok(exact <= est.value, `p${p}: ${exact} is above the bound ${est.value}`);
      break;
    case 'exact':
      assert.equal(est.value, exact, `p${p}`);
      break;
    case 'estimate': {
      const width = holding.max! - holding.min!;
      assert.ok(
        Math.abs(est.value - exact) <= width,
        `p${p}: estimate ${est.value} vs exact ${exact} exceeds bucket width ${width}`,
      );
      break;
    }
  }
}

const percentiles = fc.oneof(
  fc.constantFrom(0, 1, 50, 90, 95, 99, 99.9, 100),
  fc.double({ min: 0, max: 100, noNaN: true }),
);

describe('percentile estimation from buckets', () => {
  it('stays within one bucket width of the exact percentile for hist()', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 10_000_000 }), { minLength: 1, maxLength: 300 }),
        percentiles,
        (samples, p) => {
          withinBound(log2Buckets(samples), samples, p);
        },
      ),
      { numRuns: 400, seed: 1717 },
    );
  });

  it('stays within one step of the exact percentile for lhist()', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 1200 }), { minLength: 1, maxLength: 300 }),
        percentiles,
        (samples, p) => {
          withinBound(linearBuckets(samples, 0, 1000, 50), samples, p);
        },
      ),
      { numRuns: 400, seed: 4242 },
    );
  });

  it('relative error of hist() percentiles stays under 100% for positive samples', () => {
    // Latency-like samples: the documented consequence of the bound for log2 buckets.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 50_000_000 }), { minLength: 1, maxLength: 200 }),
        percentiles,
        (samples, p) => {
          const est = percentile(log2Buckets(samples), p)!;
          const exact = nearestRank(samples, p);
          assert.ok(Math.abs(est.value - exact) < exact, `p${p}: ${est.value} vs ${exact}`);
        },
      ),
      { numRuns: 300, seed: 99 },
    );
  });

  it('is exact for samples in the [0] and [1] buckets', () => {
    const buckets = log2Buckets([0, 0, 1, 1, 1]);
    assert.deepEqual(percentile(buckets, 40), { value: 0, quality: 'exact', bucket: '[0]' });
    assert.deepEqual(percentile(buckets, 41), { value: 1, quality: 'exact', bucket: '[1]' });
  });

  it('interpolates linearly inside a bucket', () => {
    // 4 samples in [512, 1K): p25 is a quarter of the way through the bucket's range.
    const buckets: Bucket[] = [{ min: 512, max: 1023, count: 4 }];
    assert.equal(percentile(buckets, 25)?.value, 512 + 0.25 * 511);
    assert.equal(percentile(buckets, 100)?.value, 1023);
  });

  it('skips empty buckets and returns nothing for an empty histogram', () => {
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([{ min: 0, max: 0, count: 0 }], 50), undefined);
    const buckets: Bucket[] = [
      { min: 2, max: 3, count: 1 },
      { min: 4, max: 7, count: 0 },
      { min: 8, max: 15, count: 1 },
    ];
    assert.equal(percentile(buckets, 100)?.bucket, '[8, 16)');
    assert.equal(minimum(buckets)?.value, 2);
    assert.equal(maximum(buckets)?.value, 15);
  });
});
