// The bpftrace JSON records inside a job's JSON result (openapi.yaml, JobResult.records:
// one object per line `bpftrace -f json` would print). A bare array of records, or NDJSON
// text (?format=ndjson), is accepted too.

export function recordsOf(result: unknown): unknown[] {
  if (Array.isArray(result)) return result;
  if (typeof result === 'object' && result !== null) {
    const o = result as Record<string, unknown>;
    for (const field of ['records']) {
      const v = o[field];
      if (Array.isArray(v)) return v;
      if (typeof v === 'string') return parseLines(v);
    }
  }
  if (typeof result === 'string') return parseLines(result);
  return [];
}

function parseLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as unknown);
    } catch {
      // bpftrace 0.17 writes some invalid JSON (unquoted strftime values); skip such lines.
    }
  }
  return out;
}
