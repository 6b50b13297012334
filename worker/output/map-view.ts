// print(@m, top, div) as 0.17 applies it, shared by both renderers: `top` keeps the last
// `top` entries of the sorted order (the largest), `div` divides integer values, averages
// and hist bucket counts. 0.17 ignores both for stats() maps (with a compile-time warning)
// and ignores `div` for lhist maps.
import type { MapEntry, MapValue } from './values.js';

export interface MapView {
  entries: MapEntry[];
  /** 1 when no division applies. */
  div: bigint;
}

export function mapView(map: MapValue, top = 0, div = 0): MapView {
  if (map.kind === 'stats') return { entries: map.entries, div: 1n };
  const entries =
    top > 0 && map.entries.length > top ? map.entries.slice(map.entries.length - top) : map.entries;
  return { entries, div: div > 1 && map.kind !== 'lhist' ? BigInt(div) : 1n };
}

/** An integer value divided as 0.17 divides it (C integer division truncates toward zero). */
export function divided(v: string, div: bigint): string {
  return div === 1n ? v : (BigInt(v) / div).toString();
}
