// Turns a job's output records into what the service stores: the JSON document of
// openapi.yaml's JobResult (bpftrace's `-f json` records plus a structured form with typed
// keys and histogram buckets), bpftrace 0.17's exact text, and the NDJSON lines. All three
// are rendered here, once, by the worker; the API only reads them.
import { assertNever } from '../../compiler/debug.js';
import type { JobStatus } from '../../service/job.js';
import type { ResultDocument, StoredResult } from '../../service/result.js';
import type { components } from '../../api/generated/openapi.js';
import { printedBuckets } from '../output/hist-buckets.js';
import { renderJson, renderText } from '../output/index.js';
import type { EntryValue, MapValue, OutputRecord, Value } from '../output/values.js';
import { OUTPUT_VERSION } from '../output/values.js';
import { recordText } from './output-collector.js';

type TypedValue = components['schemas']['TypedValue'];
type ApiEntryValue = components['schemas']['EntryValue'];
type MapResult = components['schemas']['MapResult'];
type Int64 = components['schemas']['Int64'];

/** A 64-bit integer as a JSON number when a double holds it exactly, else a decimal string. */
function int64(v: string | bigint): Int64 {
  const big = typeof v === 'bigint' ? v : BigInt(v);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return big <= limit && big >= -limit ? Number(big) : big.toString();
}

function typed(v: Value): TypedValue {
  switch (v.t) {
    case 'int':
      return { type: 'int', value: int64(v.v) };
    case 'str':
      return { type: 'str', value: v.v };
    case 'time':
      return { type: 'time', value: v.v };
    case 'tuple':
      return { type: 'tuple', value: v.v.map(typed) };
    case 'stack':
      return { type: 'stack', style: v.style, frames: v.frames };
    case 'record':
      return {
        type: 'record',
        fields: v.fields.map((f) => ({ name: f.name, value: typed(f.value) })),
      };
    case 'array':
      return { type: 'array', value: v.v.map(typed) };
    case 'none':
      return { type: 'none' };
    default:
      return assertNever(v, 'value');
  }
}

function entryValue(v: EntryValue, map: MapValue): ApiEntryValue {
  if (v.t === 'stats') {
    return {
      type: 'stats',
      count: int64(v.count),
      total: int64(v.total),
      average: int64(v.average),
    };
  }
  if (v.t === 'hist') {
    return {
      type: 'hist',
      buckets: printedBuckets(v, map.kind === 'lhist' ? map.lhist : undefined).map((b) => ({
        ...(b.min === undefined ? {} : { min: int64(b.min) }),
        ...(b.max === undefined ? {} : { max: int64(b.max) }),
        count: int64(b.count),
      })),
    };
  }
  return typed(v);
}

export function structuredMap(map: MapValue): MapResult {
  return {
    name: map.name,
    kind: map.kind,
    keyed: map.keyed,
    ...(map.lhist === undefined ? {} : { lhist: map.lhist }),
    entries: map.entries.map((e) => ({ key: e.key.map(typed), value: entryValue(e.value, map) })),
  };
}

function parseLines(ndjson: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of ndjson.split('\n')) {
    if (line.trim() === '') continue; // 0.17 writes "\n\n" before the exit dump, even in JSON
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not JSON: skip rather than fail the whole result
    }
  }
  return out;
}

/** Cuts text to at most `bytes` UTF-8 bytes, at a line end when there is one. */
function cut(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const head = Buffer.from(text).subarray(0, bytes).toString('utf8');
  const nl = head.lastIndexOf('\n');
  return nl > 0 ? head.slice(0, nl + 1) : head;
}

function takeWithin<T>(items: T[], bytes: number): T[] {
  const out: T[] = [];
  let used = 0;
  for (const item of items) {
    used += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (used > bytes) break;
    out.push(item);
  }
  return out;
}

export interface ResultInputs {
  jobId: string;
  status: JobStatus;
  interrupted: boolean;
  records: OutputRecord[];
  attachedProbes: number;
  probes?: string[];
  lostEvents: number;
  elapsedMs: number;
  verifier?: string;
  maxBytes: number;
}

export function buildResult(inputs: ResultInputs): {
  stored: StoredResult;
  document: ResultDocument;
} {
  const output = {
    format: 'bpfq-output' as const,
    version: OUTPUT_VERSION,
    records: inputs.records,
  };
  let text = renderText(output);
  let ndjson = renderJson(output);
  const document: ResultDocument = {
    jobId: inputs.jobId,
    status: inputs.status,
    interrupted: inputs.interrupted,
    truncated: false,
    attachedProbes: inputs.attachedProbes,
    ...(inputs.probes === undefined ? {} : { probes: inputs.probes }),
    lostEvents: inputs.lostEvents,
    printf: inputs.records.map(recordText).filter((t): t is string => t !== undefined),
    maps: inputs.records.flatMap((r) => (r.type === 'map' ? [structuredMap(r.map)] : [])),
    records: parseLines(ndjson),
    verifier: inputs.verifier ?? null,
    durationMs: Math.round(inputs.elapsedMs),
  };
  let json = JSON.stringify(document);
  const total = (): number =>
    Buffer.byteLength(json) + Buffer.byteLength(text) + Buffer.byteLength(ndjson);
  if (total() > inputs.maxBytes) {
    // Each of the three forms gets a share; the structured maps keep priority over printf.
    const share = Math.floor(inputs.maxBytes / 4);
    text = cut(text, share);
    ndjson = cut(ndjson, share);
    document.truncated = true;
    document.records = takeWithin(document.records, Math.floor(share / 2));
    document.printf = takeWithin(document.printf, Math.floor(share / 4));
    document.maps = takeWithin(document.maps, Math.floor(share / 4));
    json = JSON.stringify(document);
  }
  return { stored: { json, text, ndjson }, document };
}
