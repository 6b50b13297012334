// The assertion language of `bpfq submit --assert`: what it accepts, what it rejects as a
// usage error (with the column), and what it evaluates to against a result that bpftrace
// 0.17 printed itself (test/fixtures/assert/maps.json, from maps.bt beside it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileAssertion, checkAgainst } from '../../cli/assert/assertion.js';
import { AssertionSyntaxError } from '../../cli/assert/syntax-error.js';
import { resultViewFromRecords } from '../../cli/assert/result-view.js';

const fixture = new URL('../../../test/fixtures/assert/maps.json', import.meta.url);
const records = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as unknown);
const result = resultViewFromRecords(records);

function holds(source: string): boolean {
  const verdict = checkAgainst(compileAssertion(source), result);
  assert.equal(verdict.problem, undefined, `${source}: ${verdict.problem}`);
  return verdict.passed;
}

function syntaxColumn(source: string): number {
  try {
    compileAssertion(source);
  } catch (err) {
    assert.ok(err instanceof AssertionSyntaxError, String(err));
    return err.column;
  }
  assert.fail(`${source} was accepted`);
}

describe('assertion language: parsing', () => {
  it('accepts the forms the documentation shows', () => {
    for (const s of [
      '@errors == 0',
      '@calls["open"] > 10',
      'count(@lat) >= 100',
      'p50(@lat) < 500us',
      'p99(@lat) <= 2ms',
      'max(@lat) < 1s && min(@lat) >= 0',
      '(avg(@lat) < 1.5ms || sum(@lat) < 4G) && !(@errors > 0)',
      'percentile(@lat, 99.9) < 10ms',
      '@multi["x", 1] == 7',
      '@name == "web"',
      '@errors / count(@lat) < 0.01',
      '@[-1] == 0',
    ]) {
      assert.doesNotThrow(() => compileAssertion(s), s);
    }
  });

  it('rejects malformed assertions with the column of the problem', () => {
    assert.equal(syntaxColumn('@errors == '), 12);
    assert.equal(syntaxColumn('@errors === 0'), 11);
    assert.equal(syntaxColumn('p99(@lat) < 5xs'), 14);
    assert.equal(syntaxColumn('p101(@lat) < 5'), 1);
    assert.equal(syntaxColumn('median(@lat) < 5'), 1);
    assert.equal(syntaxColumn('count(lat) > 1'), 7);
    assert.equal(syntaxColumn('(@a > 1'), 8);
    assert.equal(syntaxColumn('@a < 1 < 2'), 8);
    assert.equal(syntaxColumn('@calls["open" > 1'), 15);
    assert.equal(syntaxColumn('@a $ 1'), 4);
  });

  it('rejects ill-typed assertions before anything runs', () => {
    assert.equal(syntaxColumn('@errors'), 1, 'a bare value is not an assertion');
    assert.equal(syntaxColumn('@a && @b > 1'), 1);
    assert.equal(syntaxColumn('p99(@lat) < "fast"'), 13);
    assert.equal(syntaxColumn('(@a > 1) == (@b > 1)'), 1);
    assert.equal(syntaxColumn('-(@a > 1) < 0'), 2);
  });

  it('renders a caret under the problem', () => {
    try {
      compileAssertion('@a >> 1');
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof AssertionSyntaxError);
      assert.equal(err.render(), "bad assertion: unexpected '>'\n  @a >> 1\n      ^\n");
    }
  });

  it('reads units as nanoseconds and powers of 1024', () => {
    const cases: [string, boolean][] = [
      ['1ns == 1', true],
      ['500us == 500000', true],
      ['2ms == 2000000', true],
      ['1.5s == 1500000000', true],
      ['4K == 4096', true],
      ['1M == 1048576', true],
      ['1G == 1073741824', true],
      ['0x10 == 16', true],
    ];
    for (const [s, expected] of cases) assert.equal(holds(s), expected, s);
  });
});

describe('assertion language: evaluation against a bpftrace result', () => {
  it('reads scalar and keyed map values', () => {
    assert.equal(holds('@errors == 1'), true);
    assert.equal(holds('@errors == 0'), false);
    assert.equal(holds('@calls["open"] == 3 && @calls["read"] == 1'), true);
    assert.equal(holds('@multi["x", 1] == 7'), true);
    assert.equal(holds('@name == "web"'), true);
    assert.equal(holds('@name != "db"'), true);
    assert.equal(holds('@av == 150'), true);
  });

  it('reads absent maps and keys as 0, as bpftrace reads a missing key', () => {
    assert.equal(holds('@never == 0'), true);
    assert.equal(holds('@calls["write"] == 0'), true);
    const verdict = checkAgainst(compileAssertion('@never == 0'), result);
    assert.match(verdict.observations[0]?.note ?? '', /not in the result/);
  });

  it('computes count, sum, min, max, avg over keyed maps', () => {
    assert.equal(holds('count(@calls) == 2'), true);
    assert.equal(holds('sum(@calls) == 4'), true);
    assert.equal(holds('max(@calls) == 3 && min(@calls) == 1'), true);
    assert.equal(holds('avg(@calls) == 2'), true);
  });

  it('reads stats() maps', () => {
    assert.equal(holds('count(@st) == 2 && sum(@st) == 31'), true);
    assert.equal(holds('avg(@st) == 15.5'), true);
  });

  it('computes histogram statistics from buckets', () => {
    // Samples: 0 1 3 700 1000 1500 2000000 3000000.
    assert.equal(holds('count(@lat) == 8'), true);
    assert.equal(holds('min(@lat) == 0'), true);
    assert.equal(holds('max(@lat) == 4194303'), true, 'upper bound of [2M, 4M)');
    assert.equal(holds('p50(@lat) == 767.5'), true, 'half way through [512, 1K)');
    assert.equal(holds('p25(@lat) == 1'), true, 'single-value buckets are exact');
    assert.equal(holds('p50(@lat) < 1ms && p99(@lat) <= 5ms'), true);
    assert.equal(holds('p99(@lat) <= 2ms'), false);
    assert.equal(holds('count(@bycomm) == 3 && count(@bycomm["b"]) == 2'), true);
    assert.equal(holds('p100(@bycomm["a"]) == 15'), true);
  });

  it('gives only a bound for open-ended lhist buckets, and says so', () => {
    const verdict = checkAgainst(compileAssertion('max(@lin) >= 100'), result);
    assert.equal(verdict.passed, true);
    assert.match(verdict.observations[0]?.note ?? '', /at least.*\[100, \.\.\.\)/);
    assert.equal(holds('min(@lin) == -1'), true);
  });

  it('short-circuits && and ||', () => {
    // The right side would fail to evaluate (no samples); it must not be reached.
    assert.equal(holds('@errors == 1 || p99(@missing) < 1'), true);
    assert.equal(holds('@errors == 0 && p99(@missing) < 1'), false);
  });

  it('reports what it observed when an assertion fails', () => {
    const verdict = checkAgainst(compileAssertion('p99(@lat) <= 2ms && @errors == 1'), result);
    assert.equal(verdict.passed, false);
    const first = verdict.observations[0];
    assert.equal(first?.text, 'p99(@lat)');
    assert.match(first?.shown ?? '', /^4\.0\d*ms \(\d+(\.\d+)?\)$/);
    assert.match(first?.note ?? '', /interpolated in bucket \[2097152, 4194304\)/);
  });

  it('fails, with the reason, when a statistic cannot be computed', () => {
    for (const [s, reason] of [
      ['p99(@missing) < 1ms', /no samples/],
      ['@calls > 1', /keyed/],
      ['@lat > 1', /histogram/],
      ['@name + 1 > 0', /string/],
      ['@errors / 0 > 0', /division by zero/],
      ['count(@errors) > 0', /single value; compare it directly/],
      ['count(@calls["open"]) > 0', /single value/],
    ] as const) {
      const verdict = checkAgainst(compileAssertion(s), result);
      assert.equal(verdict.passed, false, s);
      assert.match(verdict.problem ?? '', reason, s);
    }
  });
});
