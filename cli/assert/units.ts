// Units accepted after a number in an assertion. Durations are nanoseconds because that is
// what bpftrace programs measure (nsecs, elapsed); size suffixes are powers of 1024 because
// bpftrace's own histogram labels ([1K, 2K), [1M, 2M)) use them, so `4K` in an assertion
// means the same number as `4K` in the histogram the user is looking at.

export type UnitKind = 'time' | 'size';

export interface Unit {
  readonly suffix: string;
  readonly kind: UnitKind;
  readonly factor: number;
}

export const units: readonly Unit[] = [
  { suffix: 'ns', kind: 'time', factor: 1 },
  { suffix: 'us', kind: 'time', factor: 1e3 },
  { suffix: 'ms', kind: 'time', factor: 1e6 },
  { suffix: 's', kind: 'time', factor: 1e9 },
  { suffix: 'K', kind: 'size', factor: 1024 },
  { suffix: 'M', kind: 'size', factor: 1024 ** 2 },
  { suffix: 'G', kind: 'size', factor: 1024 ** 3 },
];

export function unitBySuffix(suffix: string): Unit | undefined {
  return units.find((u) => u.suffix === suffix);
}

/** Renders a number in the largest unit of its kind that keeps it at or above 1. */
export function formatWithUnit(value: number, kind: UnitKind | undefined): string {
  if (kind === undefined || !Number.isFinite(value)) return formatNumber(value);
  const ofKind = units.filter((u) => u.kind === kind).sort((a, b) => b.factor - a.factor);
  const unit = ofKind.find((u) => Math.abs(value) >= u.factor) ?? ofKind[ofKind.length - 1];
  if (unit === undefined || unit.factor === 1) return formatNumber(value);
  return `${formatNumber(value / unit.factor)}${unit.suffix} (${formatNumber(value)})`;
}

/** Integers as they are; fractions with at most 3 decimals, trailing zeros dropped. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(3)));
}
