// End to end through the kernel: `bin/bpfq` runs each output fixture script and must print
// exactly what bpftrace 0.17 printed for it (test/fixtures/bpftrace-output, text and -f json).
// The unit tests check the renderer from hand-laid bytes; this checks the same bytes coming
// from real maps and perf events.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/needs.js';
import { loadedPrograms } from './runtime-helpers.js';

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

/** The kernel names bpfq gives the programs of these scripts (probe name, 15 characters). */
const OUR_PROGRAMS = new Set(['BEGIN', 'END', 'sys_enter_execv', 'leaf']);

/** Ids of the BPF programs some live process holds an fd of (from /proc/PID/fdinfo). */
function heldPrograms(): Set<number> {
  const held = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fdinfo`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (m?.[1]) held.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
  }
  return held;
}

/**
 * Runs bpfq and checks that none of the programs it loaded outlives it: once bpfq has exited,
 * a program of ours that is still loaded and that no process holds was left attached or
 * pinned. Programs of the same names that other live test processes hold are theirs.
 */
function run(args: string[]): string {
  const before = loadedPrograms();
  const stdout = runBpfq(args);
  // The kernel frees a closed program after an RCU grace period: give it a moment.
  const deadline = Date.now() + 3000;
  let left: [number, string][];
  for (;;) {
    const held = heldPrograms();
    left = [...loadedPrograms()].filter(
      ([id, name]) => !before.has(id) && OUR_PROGRAMS.has(name) && !held.has(id),
    );
    if (left.length === 0 || Date.now() > deadline) break;
    execFileSync('sleep', ['0.1']);
  }
  assert.deepEqual(left, [], `BPF programs left loaded after bpfq ${args.join(' ')}`);
  return stdout;
}

function runBpfq(args: string[]): string {
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
  'empty-maps',
  'hist',
  'json-escaping',
  'keyed-maps',
  'lhist',
  'lifecycle-map-order',
  'lifecycle-two-probes',
  'printf-integers',
  'printf-specifiers',
  'printf-strings',
  'print-top-div',
  'print-top-div-avg-lhist',
  'print-values',
];

describe('output fixtures through the kernel', needs('bpf', 'tracefs'), () => {
  for (const name of DETERMINISTIC) {
    it(`${name}.bt prints what bpftrace 0.17 printed (text and JSON)`, () => {
      assert.equal(run([name + '.bt']), expected(name, 'txt'));
      assert.equal(run(['-f', 'json', name + '.bt']), expected(name, 'json'));
    });
  }

  it('join.bt joins the argv of a traced exec', () => {
    assert.equal(run(['join.bt', '-c', '/bin/true first second third']), expected('join', 'txt'));
  });

  it(
    'stacks.bt prints kernel stacks as 0.17 does, up to the BPF program frame',
    needs('bpftrace'),
    () => {
      // Kernel text addresses change with every kernel build, so bpftrace 0.17 runs the same
      // script here and now (stacks.txt keeps one capture for the renderer's unit test). The
      // BPF program's own frame differs per run: it is named after the symbol below it in
      // kallsyms, `_einittext` or another BPF program loaded at the time (`bpf_prog_<tag>_<name>`).
      const norm = (s: string): string =>
        s
          .replace(/(_einittext|bpf_prog_[0-9a-f]+_\w+)\+\d+/g, 'BPF+N')
          .replace(/\tffffffffc[0-9a-f]{7} /g, '\tBPF ');
      const oracle = execFileSync('bpftrace', ['stacks.bt'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 60_000,
      });
      assert.match(oracle, /bpf_prog_test_run_raw_tp\+\d+/, 'bpftrace printed a kernel stack');
      assert.equal(norm(run(['stacks.bt'])), norm(oracle));
    },
  );

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
