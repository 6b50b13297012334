// The maps of a finished job, as the assertion evaluator sees them. Built from the
// bpftrace `-f json` records the API returns (`{"type": "map"|"hist"|"stats", "data": ...}`),
// because that format is bpftrace's own and fixed. A map printed more than once (print()
// during the run, then the exit dump) keeps its last printing, which is the final state.
import type { Bucket } from './percentile.js';

export interface StatsValue {
  readonly count: number;
  readonly average: number;
  readonly total: number;
}

/** What one key (or the only value of an unkeyed map) holds. */
export type MapValue =
  | { readonly kind: 'value'; readonly value: number | string | readonly unknown[] }
  | { readonly kind: 'hist'; readonly buckets: readonly Bucket[] }
  /** avg() maps print just the average; stats() maps print all three numbers. */
  | { readonly kind: 'avg'; readonly average: number }
  | { readonly kind: 'stats'; readonly stats: StatsValue };

export interface MapData {
  readonly name: string;
  readonly keyed: boolean;
  /** Keys as bpftrace's JSON renders them; an unkeyed map has the one key ''. */
  readonly entries: ReadonlyMap<string, MapValue>;
}

export interface ResultView {
  map(name: string): MapData | undefined;
  mapNames(): string[];
}

export function resultViewFromRecords(records: readonly unknown[]): ResultView {
  const maps = new Map<string, MapData>();
  for (const record of records) {
    if (!isObject(record)) continue;
    const type = record['type'];
    const data = record['data'];
    if ((type !== 'map' && type !== 'hist' && type !== 'stats') || !isObject(data)) continue;
    for (const [name, payload] of Object.entries(data)) {
      maps.set(name, toMapData(name, type, payload));
    }
  }
  return {
    map: (name) => maps.get(name),
    mapNames: () => [...maps.keys()].sort(),
  };
}

function toMapData(name: string, type: 'map' | 'hist' | 'stats', payload: unknown): MapData {
  const entries = new Map<string, MapValue>();
  const one = (v: unknown): MapValue => toValue(type, v);
  let keyed: boolean;
  switch (type) {
    case 'hist':
      keyed = !Array.isArray(payload);
      break;
    case 'stats':
      // An unkeyed stats() map prints {"count", "average", "total"}; a keyed avg() map
      // prints {"key": number}. The three stats fields holding numbers tell them apart.
      keyed = isObject(payload) && !isStats(payload);
      break;
    case 'map':
      keyed = isObject(payload);
      break;
  }
  if (keyed && isObject(payload)) {
    for (const [key, v] of Object.entries(payload)) entries.set(key, one(v));
  } else {
    entries.set('', one(payload));
  }
  return { name, keyed, entries };
}

function toValue(type: 'map' | 'hist' | 'stats', v: unknown): MapValue {
  if (type === 'hist') {
    const buckets: Bucket[] = [];
    for (const b of Array.isArray(v) ? v : []) {
      if (!isObject(b)) continue;
      buckets.push({
        min: numberOrUndefined(b['min']),
        max: numberOrUndefined(b['max']),
        count: Number(b['count'] ?? 0),
      });
    }
    return { kind: 'hist', buckets };
  }
  if (type === 'stats') {
    if (isObject(v) && isStats(v)) {
      return {
        kind: 'stats',
        stats: {
          count: v['count'] as number,
          average: v['average'] as number,
          total: v['total'] as number,
        },
      };
    }
    return { kind: 'avg', average: Number(v) };
  }
  if (typeof v === 'number' || typeof v === 'string') return { kind: 'value', value: v };
  if (Array.isArray(v)) return { kind: 'value', value: v };
  return { kind: 'value', value: String(v) };
}

function isStats(o: Record<string, unknown>): boolean {
  const keys = Object.keys(o);
  return (
    keys.length === 3 &&
    typeof o['count'] === 'number' &&
    typeof o['average'] === 'number' &&
    typeof o['total'] === 'number'
  );
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
