// printf's C semantics, table-driven: every printf(...) call of printf-integers.bt and
// printf-strings.bt is formatted with formatPrintf from its own format and literal arguments,
// and the whole output must equal what bpftrace 0.17 printed for those scripts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { formatPrintf, renderRecords, type OutputRecord } from '../../worker/output/index.js';
import type { PrintfArg } from '../../worker/output/printf.js';
import { fixture } from './output-kernel-layout.js';

const FIXTURES = new URL('../../../test/fixtures/bpftrace-output/', import.meta.url);

/** The printf calls of a fixture script: format and literal arguments (ints and strings). */
function printfCalls(name: string): { format: string; args: PrintfArg[] }[] {
  const source = readFileSync(fileURLToPath(new URL(name + '.bt', FIXTURES)), 'utf8');
  const calls: { format: string; args: PrintfArg[] }[] = [];
  for (const m of source.matchAll(/printf\("((?:[^"\\]|\\.)*)"((?:, (?:-?\d+|"[^"]*"))*)\);/gu)) {
    const format = (m[1] ?? '').replaceAll('\\n', '\n');
    const args = [...(m[2] ?? '').matchAll(/-?\d+|"[^"]*"/g)].map(([a]): PrintfArg =>
      a.startsWith('"') ? { kind: 'str', v: a.slice(1, -1) } : { kind: 'int', v: BigInt(a) },
    );
    calls.push({ format, args });
  }
  return calls;
}

function rendered(name: string): OutputRecord[] {
  return [
    { type: 'attached_probes', probes: 1 },
    ...printfCalls(name).map((c): OutputRecord => ({
      type: 'printf',
      text: formatPrintf(c.format, c.args),
    })),
    { type: 'end' },
  ];
}

/**
 * 0.17's JSON escapes each byte >= 0x80 of a string as a sign-extended `\uffffffXX` (invalid
 * JSON); bpfq writes the UTF-8 text as is. The expected JSON is 0.17's with those runs decoded.
 */
function utf8Unescaped(json: string): string {
  return json.replace(/(?:\\uffffff[0-9a-f]{2})+/g, (run) =>
    Buffer.from(
      run
        .split('\\uffffff')
        .slice(1)
        .map((h) => parseInt(h, 16)),
    ).toString('utf8'),
  );
}

describe('output: printf conversions match bpftrace 0.17 (glibc snprintf per piece)', () => {
  for (const name of ['printf-integers', 'printf-strings', 'printf-utf8']) {
    it(`formats ${name}.bt`, () => {
      const records = rendered(name);
      assert.ok(records.length > 2, 'the script has printf calls');
      assert.equal(renderRecords('text', records), fixture(name, 'txt'));
      assert.equal(renderRecords('json', records), utf8Unescaped(fixture(name, 'json')));
    });
  }
});
