// bpfq against bpftrace 0.17 on user-space and sampling probes: every program in
// engine2-cases.ts runs under both with the same -c workload (engine2-workload.c, built here
// as a PIE and a non-PIE binary linked against libe2.so, plus the PIE one without its DWARF),
// and stdout and the exit status must match byte for byte (stderr too for error cases).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { inParallel, runTool, type ToolRun } from '../support/differential.js';
import { ENGINE2_CASES, type Engine2Case } from './engine2-cases.js';
import { repoRoot } from './runtime-helpers.js';

interface Built {
  dir: string;
  pie: string;
  nopie: string;
  lib: string;
  /** The PIE workload without its DWARF (objcopy --strip-debug). */
  nodw: string;
  /** e2_neg's address in the non-PIE binary, hex without 0x. */
  negAddr: string;
}

function build(): Built {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-engine2-'));
  const src = join(repoRoot, 'test/kernel');
  const lib = join(dir, 'libe2.so');
  const pie = join(dir, 'e2-pie');
  const nopie = join(dir, 'e2-nopie');
  const link = ['-L', dir, '-le2', `-Wl,-rpath,${dir}`];
  execFileSync('cc', ['-O2', '-g', '-shared', '-fPIC', '-o', lib, join(src, 'engine2-lib.c')]);
  execFileSync('cc', [
    '-O2',
    '-g',
    '-pie',
    '-fPIE',
    '-o',
    pie,
    join(src, 'engine2-workload.c'),
    ...link,
  ]);
  execFileSync('cc', [
    '-O2',
    '-g',
    '-no-pie',
    '-fno-pie',
    '-o',
    nopie,
    join(src, 'engine2-workload.c'),
    ...link,
  ]);
  const nodw = join(dir, 'e2-nodw');
  execFileSync('objcopy', ['--strip-debug', pie, nodw]);
  const sym = execFileSync('nm', [nopie], { encoding: 'utf8' }).match(/^0*([0-9a-f]+) T e2_neg$/m);
  assert.ok(sym, 'e2_neg in the non-PIE workload');
  return { dir, pie, nopie, lib, nodw, negAddr: sym[1]! };
}

/** The case with its placeholders replaced by the built paths. */
function resolve(c: Engine2Case, b: Built): Engine2Case {
  const program = c.program
    .replace(/\bNOPIE\b/g, b.nopie)
    .replace(/\b0xADDR\b/g, `0x${b.negAddr}`)
    .replace(/\bLIB\b/g, b.lib)
    .replace(/\bNODW\b/g, b.nodw)
    .replace(/\bWL\b/g, b.pie);
  return { ...c, program };
}

describe(
  'engine2 differential: user-space and sampling probes print what bpftrace 0.17 prints',
  needs('bpf', 'tracefs', 'bpftrace', 'cc'),
  () => {
    const results = new Map<string, { bpftrace: ToolRun; bpfq: ToolRun }>();
    let built: Built | undefined;

    before(async () => {
      const b = (built = build());
      // Both tools trace only their own -c child, so cases run side by side safely.
      const runs = await inParallel(ENGINE2_CASES, 3, async (c) => {
        const r = resolve(c, b);
        const wl = c.binary === 'nopie' ? b.nopie : b.pie;
        const [bpftrace, bpfq] = await Promise.all([
          runTool('bpftrace', r, wl),
          runTool('bpfq', r, wl),
        ]);
        return { bpftrace, bpfq };
      });
      ENGINE2_CASES.forEach((c, i) => results.set(c.name, runs[i]!));
    });

    after(() => {
      if (built) rmSync(built.dir, { recursive: true, force: true });
    });

    it('case names are unique', () => {
      assert.equal(new Set(ENGINE2_CASES.map((c) => c.name)).size, ENGINE2_CASES.length);
    });

    for (const c of ENGINE2_CASES) {
      it(`${c.name}${c.format === 'json' ? ' (json)' : ''}`, () => {
        const r = results.get(c.name);
        assert.ok(r, 'not run');
        if (c.compareStderr) {
          // A compile error: nothing on stdout, the same diagnostic on stderr.
          assert.ok(r.bpftrace.stderr.length > 0, 'bpftrace printed no error');
          assert.equal(r.bpfq.stderr, r.bpftrace.stderr);
        } else {
          assert.ok(
            r.bpftrace.stdout.length > 0,
            `bpftrace printed nothing:\n${r.bpftrace.stderr}`,
          );
        }
        assert.equal(
          r.bpfq.stdout,
          r.bpftrace.stdout,
          `stdout differs; bpfq stderr:\n${r.bpfq.stderr}`,
        );
        assert.equal(
          r.bpfq.status,
          r.bpftrace.status,
          `exit status differs; bpfq stderr:\n${r.bpfq.stderr}`,
        );
      });
    }
  },
);
