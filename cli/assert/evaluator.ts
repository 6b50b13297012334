// Evaluates a checked assertion against a job's maps. Every map value and statistic it reads
// is recorded as an observation, so a failure can say what was actually seen
// (`p99(@lat) = 3.1ms`), not just that the comparison was false.
//
// Absent data: bpftrace prints no record for an empty map, and reading a missing key of a
// map gives 0 in bpftrace itself, so `@errors == 0` holds when no error was ever counted.
// A statistic that needs samples (avg, min, max, percentiles) of an absent or empty map
// cannot be computed, and the assertion fails saying so.
import type { Expr, MapRef, StatFunction } from './ast.js';
import {
  estimatedSum,
  maximum,
  mergeBuckets,
  minimum,
  percentile,
  totalCount,
  type Bucket,
  type Estimate,
} from './percentile.js';
import type { MapValue, ResultView } from './result-view.js';
import { formatWithUnit, type UnitKind } from './units.js';

export interface Observation {
  /** The part of the assertion that was read, as the user wrote it. */
  readonly text: string;
  /** The value as shown to the user (with the unit the assertion compared it against). */
  readonly shown: string;
  /** Why the value is approximate or assumed, if it is. */
  readonly note: string | undefined;
}

export interface Verdict {
  readonly passed: boolean;
  readonly observations: readonly Observation[];
  /** Set when the assertion could not be evaluated (missing samples, a string in arithmetic). */
  readonly problem: string | undefined;
}

type Value = number | string | boolean;

class EvalProblem extends Error {}

export function evaluate(source: string, expr: Expr, result: ResultView): Verdict {
  const observations: Observation[] = [];
  const seen = new Set<string>();
  const observe = (
    at: Expr,
    value: number | string,
    unit: UnitKind | undefined,
    note?: string,
  ): void => {
    const text = source.slice(at.span.start, at.span.end);
    if (seen.has(text)) return;
    seen.add(text);
    const shown = typeof value === 'number' ? formatWithUnit(value, unit) : JSON.stringify(value);
    observations.push({ text, shown, note });
  };

  const evalExpr = (e: Expr, unit: UnitKind | undefined): Value => {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'bool':
        return e.value;
      case 'map': {
        const { value, note } = readValue(result, e);
        observe(e, value, unit, note);
        return value;
      }
      case 'call': {
        const { value, note } = statistic(result, e.fn, e.percent, e.arg);
        observe(e, value, unit, note);
        return value;
      }
      case 'not':
        return !truthy(evalExpr(e.operand, unit));
      case 'neg':
        return -numeric(evalExpr(e.operand, unit), e.operand, source);
      case 'arith': {
        const l = numeric(evalExpr(e.left, unit), e.left, source);
        const r = numeric(evalExpr(e.right, unit), e.right, source);
        switch (e.op) {
          case '+':
            return l + r;
          case '-':
            return l - r;
          case '*':
            return l * r;
          case '/':
            if (r === 0)
              throw new EvalProblem(
                `division by zero in ${source.slice(e.span.start, e.span.end)}`,
              );
            return l / r;
          case '%':
            if (r === 0)
              throw new EvalProblem(
                `division by zero in ${source.slice(e.span.start, e.span.end)}`,
              );
            return l % r;
        }
        break;
      }
      case 'compare': {
        const u = unitIn(e);
        const l = evalExpr(e.left, u);
        const r = evalExpr(e.right, u);
        if (e.op === '==' || e.op === '!=') {
          const equal = typeof l === typeof r ? l === r : String(l) === String(r);
          return e.op === '==' ? equal : !equal;
        }
        const a = numeric(l, e.left, source);
        const b = numeric(r, e.right, source);
        switch (e.op) {
          case '<':
            return a < b;
          case '<=':
            return a <= b;
          case '>':
            return a > b;
          case '>=':
            return a >= b;
        }
        break;
      }
      case 'logic': {
        const l = truthy(evalExpr(e.left, unit));
        if (e.op === '&&' ? !l : l) return l;
        return truthy(evalExpr(e.right, unit));
      }
    }
    // Every case above returns; TypeScript cannot see through the inner switches.
    throw new Error('unreachable: unhandled assertion node');
  };

  try {
    const passed = truthy(evalExpr(expr, undefined));
    return { passed, observations, problem: undefined };
  } catch (err) {
    if (err instanceof EvalProblem) return { passed: false, observations, problem: err.message };
    throw err;
  }
}

function truthy(v: Value): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : v !== '';
}

function numeric(v: Value, at: Expr, source: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const asNumber = Number(v);
  if (v.trim() !== '' && Number.isFinite(asNumber)) return asNumber;
  throw new EvalProblem(
    `${source.slice(at.span.start, at.span.end)} is the string ${JSON.stringify(v)}, not a number`,
  );
}

/** The unit of the first literal with a unit in a comparison, used to show its observations. */
function unitIn(e: Expr): UnitKind | undefined {
  switch (e.kind) {
    case 'number':
      return e.unit;
    case 'not':
    case 'neg':
      return unitIn(e.operand);
    case 'arith':
    case 'compare':
    case 'logic':
      return unitIn(e.left) ?? unitIn(e.right);
    default:
      return undefined;
  }
}

interface Read {
  readonly value: number | string;
  readonly note?: string | undefined;
}

function readValue(result: ResultView, ref: MapRef): Read {
  const data = result.map(ref.name);
  if (data === undefined)
    return { value: 0, note: `${ref.name} is not in the result (empty or never set); read as 0` };
  if (data.keyed && ref.key === undefined) {
    throw new EvalProblem(
      `${ref.name} is keyed: index it (${ref.name}["key"]) or use count(), sum(), min(), max() or avg()`,
    );
  }
  if (!data.keyed && ref.key !== undefined) throw new EvalProblem(`${ref.name} has no keys`);
  const entry = data.entries.get(ref.key ?? '');
  if (entry === undefined)
    return { value: 0, note: `key ${JSON.stringify(ref.key)} is not in ${ref.name}; read as 0` };
  switch (entry.kind) {
    case 'value':
      if (typeof entry.value === 'number' || typeof entry.value === 'string')
        return { value: entry.value };
      throw new EvalProblem(`${ref.name} holds a tuple; assertions compare numbers and strings`);
    case 'avg':
      return { value: entry.average };
    case 'stats':
      throw new EvalProblem(`${ref.name} holds stats(); ask for count(), avg() or sum() of it`);
    case 'hist':
      throw new EvalProblem(`${ref.name} is a histogram; ask for count(), p50() ... of it`);
  }
}

function selected(result: ResultView, ref: MapRef): MapValue[] | undefined {
  const data = result.map(ref.name);
  if (data === undefined) return undefined;
  if (ref.key === undefined) return [...data.entries.values()];
  if (!data.keyed) throw new EvalProblem(`${ref.name} has no keys`);
  const one = data.entries.get(ref.key);
  return one === undefined ? [] : [one];
}

function statistic(
  result: ResultView,
  fn: StatFunction,
  percent: number | undefined,
  ref: MapRef,
): Read {
  const label = ref.key === undefined ? ref.name : `${ref.name}[${JSON.stringify(ref.key)}]`;
  const values = selected(result, ref);
  if (values === undefined || values.length === 0) {
    if (fn === 'count' || fn === 'sum')
      return { value: 0, note: `${label} is not in the result; read as empty` };
    throw new EvalProblem(`${label} has no samples (it is not in the result)`);
  }
  const hists = values.flatMap((v) => (v.kind === 'hist' ? [v.buckets] : []));
  if (hists.length === values.length) return histStatistic(fn, percent, mergeBuckets(hists), label);
  if (hists.length > 0) throw new EvalProblem(`${label} mixes histograms and other values`);

  if (fn === 'count' || fn === 'sum' || fn === 'avg') {
    const stats = values.flatMap((v) => (v.kind === 'stats' ? [v.stats] : []));
    if (stats.length === values.length) {
      const count = stats.reduce((n, s) => n + s.count, 0);
      const total = stats.reduce((n, s) => n + s.total, 0);
      if (fn === 'count') return { value: count };
      if (fn === 'sum') return { value: total };
      if (count === 0) throw new EvalProblem(`${label} has no samples`);
      return { value: total / count };
    }
  }
  // Plain values, or avg() averages: statistics over the map's entries.
  const numbers = values.map((v) => {
    switch (v.kind) {
      case 'value':
        if (typeof v.value === 'number') return v.value;
        throw new EvalProblem(`${label} holds non-numeric values`);
      case 'avg':
        return v.average;
      case 'stats':
        return v.stats.average;
      case 'hist':
        throw new EvalProblem(`${label} mixes histograms and other values`);
    }
  });
  switch (fn) {
    case 'count':
      // Counting the keys of one value would give 1 for `@calls = count()`, which reads like
      // its value but is not: say so instead of answering a different question.
      if (ref.key !== undefined || result.map(ref.name)?.keyed !== true) {
        throw new EvalProblem(
          `${label} is a single value; compare it directly (count() counts the keys of a keyed map or the samples of a histogram)`,
        );
      }
      return { value: numbers.length, note: 'number of keys' };
    case 'sum':
      return { value: numbers.reduce((a, b) => a + b, 0) };
    case 'avg':
      return {
        value: numbers.reduce((a, b) => a + b, 0) / numbers.length,
        note: 'mean over entries',
      };
    case 'min':
      return { value: Math.min(...numbers) };
    case 'max':
      return { value: Math.max(...numbers) };
    case 'percentile': {
      // Exact nearest-rank percentile over the entries' values.
      const sorted = [...numbers].sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil(((percent ?? 50) / 100) * sorted.length));
      return { value: sorted[rank - 1] ?? 0, note: 'over entries (exact)' };
    }
  }
}

function histStatistic(
  fn: StatFunction,
  percent: number | undefined,
  buckets: Bucket[],
  label: string,
): Read {
  const n = totalCount(buckets);
  if (fn === 'count') return { value: n };
  if (fn === 'sum')
    return n === 0
      ? { value: 0 }
      : { value: estimatedSum(buckets), note: 'estimated from bucket midpoints' };
  if (n === 0) throw new EvalProblem(`${label} has no samples`);
  let est: Estimate | undefined;
  switch (fn) {
    case 'avg':
      return { value: estimatedSum(buckets) / n, note: 'estimated from bucket midpoints' };
    case 'min':
      est = minimum(buckets);
      break;
    case 'max':
      est = maximum(buckets);
      break;
    case 'percentile':
      est = percentile(buckets, percent ?? 50);
      break;
  }
  if (est === undefined) throw new EvalProblem(`${label} has no samples`);
  return { value: est.value, note: describeEstimate(est) };
}

function describeEstimate(e: Estimate): string | undefined {
  switch (e.quality) {
    case 'exact':
      return undefined;
    case 'estimate':
      return `interpolated in bucket ${e.bucket}`;
    case 'at-least':
      return `at least this: overflow bucket ${e.bucket}`;
    case 'at-most':
      return `at most this: bucket ${e.bucket}`;
  }
}
