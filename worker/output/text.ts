// bpftrace 0.17's text output for each record of the value tree.
import { valueText } from './decode-value.js';
import { printedBuckets } from './hist-buckets.js';
import { divided, mapView } from './map-view.js';
import type { EntryValue, MapValue, OutputRecord, Value } from './values.js';

/** Indentation of stack frames: 8 in values and printf, 4 inside map keys (0.17). */
const VALUE_INDENT = 8;
const KEY_INDENT = 4;

export function textRecord(r: OutputRecord): string {
  switch (r.type) {
    case 'attached_probes':
      return `Attaching ${r.probes} ${r.probes === 1 ? 'probe' : 'probes'}...\n`;
    case 'printf':
    case 'time':
    case 'syscall':
    case 'cat':
      return r.text;
    case 'join':
      return r.text + '\n';
    case 'value':
      return valueText(r.value, VALUE_INDENT) + '\n';
    case 'map':
      return textMap(r.map, r.top, r.div);
    case 'lost_events':
      return `Lost ${r.events} events\n`;
    case 'helper_error':
      return r.text;
    case 'end':
      return '\n\n';
  }
}

function textMap(map: MapValue, top: number | undefined, div: number | undefined): string {
  const view = mapView(map, top, div);
  // 0.17 writes a newline for a map with no entries before what its kind always writes.
  let out = map.entries.length === 0 ? '\n' : '';
  for (const e of view.entries) {
    const head = map.name + keyText(e.key);
    out += entryText(head, e.value, map, view.div);
  }
  // avg and stats maps end with a blank line (even an empty one, hence its two newlines).
  if (map.kind === 'avg' || map.kind === 'stats') out += '\n';
  return out;
}

function keyText(key: readonly Value[]): string {
  if (key.length === 0) return '';
  return '[' + key.map((k) => valueText(k, KEY_INDENT)).join(', ') + ']';
}

function entryText(head: string, v: EntryValue, map: MapValue, div: bigint): string {
  switch (v.t) {
    case 'stats':
      if (map.kind === 'avg') return `${head}: ${divided(v.average, div)}\n`;
      return `${head}: count ${v.count}, average ${v.average}, total ${v.total}\n`;
    case 'hist':
      return `${head}: \n` + histLines(v, map, div) + '\n';
    case 'int':
      return `${head}: ${divided(v.v, div)}\n`;
    default:
      return `${head}: ${valueText(v, VALUE_INDENT)}\n`;
  }
}

/** Each bucket: label left in 16, count right in 8, ` |`, the bar left in 52, `|`. */
function histLines(v: Extract<EntryValue, { t: 'hist' }>, map: MapValue, div: bigint): string {
  const buckets = printedBuckets(v, map.kind === 'lhist' ? map.lhist : undefined);
  const maxCount = buckets.reduce((m, b) => (b.count > m ? b.count : m), 0n);
  let out = '';
  for (const b of buckets) {
    // 0.17 computes the bar in single precision from the undivided count:
    // (int)(count / (float)max * 52).
    const ratio = Math.fround(Math.fround(Number(b.count)) / Math.fround(Number(maxCount)));
    const bar = maxCount === 0n ? 0 : Math.trunc(Math.fround(ratio * 52));
    const count = (b.count / div).toString();
    out += b.label.padEnd(16) + count.padStart(8) + ' |' + '@'.repeat(bar).padEnd(52) + '|\n';
  }
  return out;
}
