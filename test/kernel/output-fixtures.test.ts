// End to end through the kernel: `bin/bpfq` runs each output fixture script and must print
// exactly what bpftrace 0.17 printed for it (test/fixtures/bpftrace-output, text and -f json).
// The unit tests check the renderer from hand-laid bytes; this checks the same bytes coming
// from real maps and perf events.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/needs.js';
import { assertNothingLeft, snapshot, type KernelSnapshot } from './runtime-helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/bpftrace-output/', import.meta.url));
const bpfq = fileURLToPath(new URL('../../../bin/bpfq', import.meta.url));

function expected(name: string, ext: 'txt' | 'json'): string {
  const text = readFileSync(dir + name + '.' + ext, 'utf8');
  // bpfq prints the true bounds of [2G, 4G) where 0.17's JSON overflowed 32-bit ints.
  return text.replaceAll(
    '{"min": -2147483648, "max": 0,',
    '{"min": 2147483648, "max": 4294967295,',
  );
}

function run(args: string[]): string {
  return execFileSync(bpfq, args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
}

/** Scripts whose output depends only on the script (BEGIN-only, literal values). */
const DETERMINISTIC = [
  'aggregations',
  'hist',
  'json-escaping',
  'keyed-maps',
  'lhist',
  'lifecycle-map-order',
  'lifecycle-two-probes',
  'printf-integers',
  'printf-specifiers',
  'printf-strings',
];

describe('output fixtures through the kernel', needs('bpf', 'tracefs'), () => {
  let start: KernelSnapshot;
  before(() => {
    start = snapshot();
  });
  after(() => {
    assertNothingLeft(start);
  });

  for (const name of DETERMINISTIC) {
    it(`${name}.bt prints what bpftrace 0.17 printed (text and JSON)`, () => {
      assert.equal(run([name + '.bt']), expected(name, 'txt'));
      assert.equal(run(['-f', 'json', name + '.bt']), expected(name, 'json'));
    });
  }

  it('join.bt joins the argv of a traced exec', () => {
    assert.equal(run(['join.bt', '-c', '/bin/true first second third']), expected('join', 'txt'));
  });

  it('stacks.bt prints kernel stacks as 0.17 does, up to the BPF program frame', () => {
    // The BPF program's own frame (`_einittext+N` and its address) differs per run.
    const norm = (s: string): string =>
      s.replace(/_einittext\+\d+/g, '_einittext+N').replace(/\tffffffffc[0-9a-f]{7} /g, '\tBPF ');
    assert.equal(norm(run(['stacks.bt'])), norm(expected('stacks', 'txt')));
  });

  it('ustack.bt symbolises a live process with modules in perf mode', needs('cc'), async () => {
    execFileSync('cc', [
      '-O0',
      '-no-pie',
      '-fno-omit-frame-pointer',
      '-o',
      '/tmp/bpfq-ustack-target',
      dir + 'ustack-target.c',
    ]);
    const target = spawn('/tmp/bpfq-ustack-target', { stdio: 'ignore' });
    const exited = new Promise((resolve) => target.on('exit', resolve));
    try {
      assert.equal(run(['ustack.bt']), expected('ustack', 'txt'));
    } finally {
      target.kill();
      await exited;
    }
  });
});
