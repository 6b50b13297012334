// The neutral value tree: what a run printed, decoded from kernel bytes but not yet rendered.
// Both renderers (text.ts, json.ts) read only this tree, so a job result stored as JSON in
// Redis can be rendered later as bpftrace 0.17's text or its `-f json`, byte for byte.
//
// Everything here is plain JSON: 64-bit integers are decimal strings (a double would lose
// bits above 2^53), and everything that needs a live process or kernel (stack ids, symbol
// addresses, uids, boot-clock timestamps) is resolved at decode time into text.

/** Version of the stored result format; bump on any incompatible change. */
export const OUTPUT_VERSION = 1;

/** A decimal integer, signed or unsigned, 64 bits at most: `"-5"`, `"18446744073709551615"`. */
export type IntString = string;

/** How a kernel stack was asked for: `kstack`, `kstack(perf)`, `kstack(raw)`. */
export type StackStyle = 'bpftrace' | 'perf' | 'raw';

/**
 * One value as a script can print it (a printf argument, a map key part, a map value,
 * `print(value)`). Rendering differs by place (text vs JSON; stacks indent 8 in values and 4 in
 * map keys), which is why stacks keep their frames rather than one string.
 */
export type Value =
  | { t: 'int'; v: IntString }
  /** Printed as is in text and quoted in JSON: strings, ksym/usym, ntop, username, probe, ... */
  | { t: 'str'; v: string }
  | { t: 'tuple'; v: Value[] }
  /**
   * Frames, already symbolised, one per line, without indentation or newline:
   * bpftrace style `sym+off`; perf style `\tffffffff81f08202 sym+off`; raw style `ffffffff81f08202`.
   * Only the bpftrace style is indented by the renderer.
   */
  | { t: 'stack'; style: StackStyle; frames: string[] }
  /** A struct by value: `{ .a = 1, .b = 2 }` in text, `{ "a": 1, "b": 2 }` in JSON. */
  | { t: 'record'; fields: { name: string; value: Value }[] }
  /** A C array by value: `[1,2,3]` in text and JSON. */
  | { t: 'array'; v: Value[] }
  /** `strftime()` result; 0.17 left it unquoted in JSON (invalid), bpfq quotes it. */
  | { t: 'time'; v: string }
  /** Nothing (`print` of a void expression); renders as an empty string / `null`. */
  | { t: 'none' };

/** The value-type family of a map, which decides sort order, layout and JSON record type. */
export type MapKind =
  'plain' | 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist';

/** avg/stats entry: `average` is total/count truncated toward zero as C does (0 when count is 0). */
export interface StatsValue {
  t: 'stats';
  count: IntString;
  total: IntString;
  average: IntString;
}

/**
 * hist/lhist entry: the non-zero buckets as [index, count] pairs in ascending index order.
 * hist: 0 = negative, 1 = zero, i >= 2 holds [2^(i-2), 2^(i-1)) (full 64-bit, up to 65).
 * lhist: 0 = below min, 1 + k holds [min + k*step, min + (k+1)*step), last = [max, ...).
 * An entry with no non-zero bucket still exists (after `zero()`) and prints a bare header.
 */
export interface HistValue {
  t: 'hist';
  buckets: [index: number, count: IntString][];
}

export type EntryValue = Value | StatsValue | HistValue;

export interface MapEntry {
  /** The key parts; empty for a scalar map. */
  key: Value[];
  value: EntryValue;
}

/** lhist bounds, as written in the script. */
export interface LhistBounds {
  min: number;
  max: number;
  step: number;
}

export interface MapValue {
  /** `@`, `@lat`. */
  name: string;
  kind: MapKind;
  /** Present when kind is 'lhist'. */
  lhist?: LhistBounds;
  /** True when the map has key parts (`@x[k]`), false for a scalar map (`@x`). */
  keyed: boolean;
  /** Entries in bpftrace 0.17's print order (already sorted by decodeMap). */
  entries: MapEntry[];
}

/**
 * One thing a run wrote to its output, in order. A stored job result is a list of these.
 * Text output of each record is exactly what bpftrace 0.17 writes for it.
 */
export type OutputRecord =
  /** `Attaching N probes...` (text) / `attached_probes` (JSON). */
  | { type: 'attached_probes'; probes: number }
  /** printf text, written as is (no newline added). */
  | { type: 'printf'; text: string }
  /** time() text, written as is. */
  | { type: 'time'; text: string }
  /** system() output (JSON type `syscall`), written as is. */
  | { type: 'syscall'; text: string }
  /** cat() output, written as is. */
  | { type: 'cat'; text: string }
  /** join() result; text adds a newline. */
  | { type: 'join'; text: string }
  /** print(value) of a non-map value; text adds a newline. */
  | { type: 'value'; value: Value }
  /**
   * A map printed by print(@m, top, div) or at exit. `top` keeps the last `top` entries of the
   * sorted order (0 = all); `div` divides values (0 or 1 = none). Both are ignored for
   * avg/stats as bpftrace 0.17 does.
   */
  | { type: 'map'; map: MapValue; top?: number; div?: number }
  /** Lost perf events (`Lost N events`). */
  | { type: 'lost_events'; events: number }
  /** A helper failure reported with -k/-kk: text is 0.17's WARNING line, JSON the flat record. */
  | {
      type: 'helper_error';
      helper: string;
      retcode: number;
      line: number;
      col: number;
      text: string;
    }
  /** The unconditional "\n\n" bpftrace 0.17 writes at exit before dumping maps (in JSON too). */
  | { type: 'end' };

/** What a job stores as its result: render with renderText / renderJson. */
export interface OutputResult {
  format: 'bpfq-output';
  /** OUTPUT_VERSION when written. */
  version: number;
  records: OutputRecord[];
}

export type OutputFormat = 'text' | 'json';
