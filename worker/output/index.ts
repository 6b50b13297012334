// The output module's public API: decode kernel bytes into the value tree (values.ts), and
// render that tree as bpftrace 0.17's text or `-f json` output.
//
// The runtime calls decodeEvent for each perf event and decodeMap for each map it reads
// (at print() and at exit); it writes renderRecord(format, record) for every record as it
// goes, and keeps the records: an OutputResult rendered later with renderText/renderJson
// gives the same bytes.
export type {
  EntryValue,
  HistValue,
  IntString,
  LhistBounds,
  MapEntry,
  MapKind,
  MapValue,
  OutputFormat,
  OutputRecord,
  OutputResult,
  StackStyle,
  StatsValue,
  Value,
} from './values.js';
export { OUTPUT_VERSION } from './values.js';
export type { ResolvedSymbol, ResolvedUserSymbol, Symbolizer } from './symbolizer.js';
export { noSymbols } from './symbolizer.js';
export type { DecodeContext, DecodedEvent, RawMapEntry, StackRef } from './events.js';
export { ASYNC_ACTION } from './events.js';
export { decodeEvent } from './decode-event.js';
export { decodeMap } from './decode-map.js';
export { decodeValue, valueText } from './decode-value.js';
export { formatPrintf } from './printf.js';
export { exitOrder } from './exit-order.js';
export { printedBuckets, type PrintedBucket } from './hist-buckets.js';
export { renderRecord, renderRecords, renderText, renderJson, outputResult } from './render.js';
