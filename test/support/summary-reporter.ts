// A node:test reporter that counts leaf tests and appends one JSON line per run to the file
// named by BPFQ_TEST_SUMMARY, so `make test` can print a single "N passed, N failed" line
// over its three groups (see test/support/total.ts).
import { appendFileSync } from 'node:fs';

interface TestEventData {
  details?: { type?: string };
  skip?: unknown;
  todo?: unknown;
  name?: string;
  file?: string;
}

export default async function* summaryReporter(
  source: AsyncIterable<{ type: string; data: TestEventData }>,
): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Suites are reported too; count only tests. A file that failed to load is reported as
    // a failed test without a type, so count that as a failure.
    const kind = event.data.details?.type;
    if (kind === 'suite' && event.type === 'test:pass') continue;
    if (event.type === 'test:fail') failed += 1;
    else if (event.data.skip !== undefined || event.data.todo !== undefined) skipped += 1;
    else passed += 1;
  }
  const out = process.env['BPFQ_TEST_SUMMARY'];
  if (out) appendFileSync(out, JSON.stringify({ passed, failed, skipped }) + '\n');
  yield '';
}
