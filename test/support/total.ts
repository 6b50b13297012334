// Adds up the per-group summaries written by summary-reporter and prints the closing line
// `N passed, N failed[, N skipped]` alone on a line. Exits non-zero when anything failed.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: total SUMMARY_FILE');
let passed = 0;
let failed = 0;
let skipped = 0;
let groups = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line) as { passed: number; failed: number; skipped: number };
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  groups += 1;
}
const expected = Number(process.argv[3] ?? '0');
if (groups < expected) failed += expected - groups; // a group that crashed before reporting
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
