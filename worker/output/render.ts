// Rendering records, one at a time while a run streams them, or a whole stored result.
import { jsonRecord } from './json.js';
import { textRecord } from './text.js';
import {
  OUTPUT_VERSION,
  type OutputFormat,
  type OutputRecord,
  type OutputResult,
} from './values.js';

/** The bytes bpftrace 0.17 writes to stdout for one record in this format. */
export function renderRecord(format: OutputFormat, record: OutputRecord): string {
  return format === 'json' ? jsonRecord(record) : textRecord(record);
}

export function renderRecords(format: OutputFormat, records: readonly OutputRecord[]): string {
  return records.map((r) => renderRecord(format, r)).join('');
}

export function renderText(result: OutputResult): string {
  return renderRecords('text', result.records);
}

export function renderJson(result: OutputResult): string {
  return renderRecords('json', result.records);
}

/** Wraps records as a storable result. */
export function outputResult(records: OutputRecord[]): OutputResult {
  return { format: 'bpfq-output', version: OUTPUT_VERSION, records };
}
