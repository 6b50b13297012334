// bpftrace 0.17's `-f json` output (NDJSON, `", "` and `": "` separators) for each record of
// the value tree. bpfq quotes strftime and strerror values, which 0.17 left bare (invalid JSON).
import { valueText } from './decode-value.js';
import { printedBuckets } from './hist-buckets.js';
import { divided, mapView } from './map-view.js';
import type { EntryValue, MapValue, OutputRecord, Value } from './values.js';

const KEY_INDENT = 4;
const VALUE_INDENT = 8;

export function jsonRecord(r: OutputRecord): string {
  switch (r.type) {
    case 'attached_probes':
      return line('attached_probes', `{"probes": ${r.probes}}`);
    case 'printf':
    case 'time':
    case 'syscall':
    case 'cat':
    case 'join':
      return line(r.type, jsonString(r.text));
    case 'value':
      return line('value', jsonValue(r.value));
    case 'map':
      return jsonMap(r.map, r.top, r.div);
    case 'lost_events':
      return line('lost_events', `{"events": ${r.events}}`);
    case 'helper_error':
      return (
        `{"type": "helper_error", "helper": ${jsonString(r.helper)}, "retcode": ${r.retcode}, ` +
        `"line": ${r.line}, "col": ${r.col}}\n`
      );
    case 'end':
      // 0.17 writes its exit-time "\n\n" to stdout in JSON mode too.
      return '\n\n';
  }
}

function line(type: string, data: string): string {
  return `{"type": "${type}", "data": ${data}}\n`;
}

function jsonMap(map: MapValue, top: number | undefined, div: number | undefined): string {
  // 0.17 writes no record at all for a map without entries.
  if (map.entries.length === 0) return '';
  const view = mapView(map, top, div);
  const type =
    map.kind === 'avg' || map.kind === 'stats'
      ? 'stats'
      : map.kind === 'hist' || map.kind === 'lhist'
        ? 'hist'
        : 'map';
  let body: string;
  if (!map.keyed) {
    const only = view.entries[0];
    body = only === undefined ? 'null' : entryJson(only.value, map, view.div);
  } else {
    const parts = view.entries.map(
      (e) =>
        jsonString(e.key.map((k) => valueText(k, KEY_INDENT)).join(',')) +
        ': ' +
        entryJson(e.value, map, view.div),
    );
    body = '{' + parts.join(', ') + '}';
  }
  return line(type, `{${jsonString(map.name)}: ${body}}`);
}

function entryJson(v: EntryValue, map: MapValue, div: bigint): string {
  switch (v.t) {
    case 'stats':
      if (map.kind === 'avg') return divided(v.average, div);
      return `{"count": ${v.count}, "average": ${v.average}, "total": ${v.total}}`;
    case 'hist': {
      const buckets = printedBuckets(v, map.kind === 'lhist' ? map.lhist : undefined).map((b) => {
        const fields: string[] = [];
        if (b.min !== undefined) fields.push(`"min": ${b.min}`);
        if (b.max !== undefined) fields.push(`"max": ${b.max}`);
        fields.push(`"count": ${b.count / div}`);
        return '{' + fields.join(', ') + '}';
      });
      return '[' + buckets.join(', ') + ']';
    }
    case 'int':
      return divided(v.v, div);
    default:
      return jsonValue(v);
  }
}

/** A value inside `data`: numbers bare, text quoted, tuples as arrays without spaces. */
export function jsonValue(v: Value): string {
  switch (v.t) {
    case 'int':
      return v.v;
    case 'str':
    case 'time':
      return jsonString(v.v);
    case 'tuple':
      return '[' + v.v.map(jsonValue).join(',') + ']';
    case 'stack':
      return jsonString(valueText(v, VALUE_INDENT));
    case 'record':
      return (
        '{ ' + v.fields.map((f) => `${jsonString(f.name)}: ${jsonValue(f.value)}`).join(', ') + ' }'
      );
    case 'array':
      return '[' + v.v.map(jsonValue).join(',') + ']';
    case 'none':
      return 'null';
  }
}

/** 0.17's escaping: `"`, `\`, \n, \r, \t by name, other control characters as \u00XX. */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}
