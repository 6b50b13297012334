// Collects a job's output records within a byte budget. A program that printfs in a tight
// loop must not exhaust the worker's memory or Redis: past the budget, streamed records
// (printf, time, cat, system, join, value) are dropped and counted, and the count is
// reported as lost events (a `lost_events` record before the exit dump, and the `lost` SSE
// event). Map dumps at exit are always kept; the final size cap (result-document.ts) cuts
// whatever is still too large and marks the result truncated.
import type { OutputRecord } from '../output/values.js';

export interface CollectorOptions {
  /** Bytes of streamed records kept (the processor uses a fifth of BPFQ_MAX_RESULT_BYTES). */
  streamBudgetBytes: number;
  /** Streamed records published as SSE events at most (default 10 000). */
  maxLiveEvents: number;
}

export function recordText(record: OutputRecord): string | undefined {
  switch (record.type) {
    case 'printf':
    case 'time':
    case 'syscall':
    case 'cat':
      return record.text;
    case 'join':
      return `${record.text}\n`;
    default:
      return undefined;
  }
}

export class OutputCollector {
  readonly records: OutputRecord[] = [];
  /** Records dropped over the budget. */
  dropped = 0;
  /** Live events not published (over maxLiveEvents). */
  unpublished = 0;
  private streamBytes = 0;
  private published = 0;

  constructor(private readonly options: CollectorOptions) {}

  /** Keeps the record if it fits; returns whether it may also be published live. */
  add(record: OutputRecord): boolean {
    const streamed =
      record.type !== 'map' && record.type !== 'end' && record.type !== 'attached_probes';
    if (streamed) {
      const size = Buffer.byteLength(JSON.stringify(record));
      if (this.streamBytes + size > this.options.streamBudgetBytes) {
        this.dropped += 1;
        return false;
      }
      this.streamBytes += size;
    }
    this.records.push(record);
    if (!streamed) return false;
    if (this.published >= this.options.maxLiveEvents) {
      this.unpublished += 1;
      return false;
    }
    this.published += 1;
    return true;
  }

  /** The kept records, with the drops reported where bpftrace reports lost events. */
  finish(): OutputRecord[] {
    if (this.dropped === 0) return this.records;
    const out = [...this.records];
    const end = out.findIndex((r) => r.type === 'end');
    const lost: OutputRecord = { type: 'lost_events', events: this.dropped };
    if (end === -1) out.push(lost);
    else out.splice(end, 0, lost);
    return out;
  }
}
