import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bpfq = new URL('../../../bin/bpfq', import.meta.url).pathname;

describe('bin/bpfq', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    assert.equal(execFileSync(bpfq, ['--version'], { encoding: 'utf8' }), `bpfq v${pkg.version}\n`);
  });

  it('lists every subcommand in --help', () => {
    const help = execFileSync(bpfq, ['--help'], { encoding: 'utf8' });
    for (const c of ['run', 'serve', 'api', 'worker', 'submit', 'jobs']) {
      assert.match(help, new RegExp(`^    ${c} +\\S`, 'm'));
    }
  });

  it('gives each subcommand its own help', () => {
    for (const c of ['run', 'serve', 'api', 'worker', 'submit', 'jobs']) {
      const help = execFileSync(bpfq, [c, '--help'], { encoding: 'utf8' });
      assert.ok(help.length > 20, `${c} --help is too short: ${help}`);
    }
  });

  // Both as bpftrace 0.17 behaves: -o's file is opened before anything else, so a bad path is
  // the only error shown, and the file exists even when the program is then rejected.
  it('-o: an unopenable file is an error before the program is read', () => {
    const r = spawnSync(bpfq, ['-o', '/nonexistent/out.txt', 'no-such-program.bt'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'ERROR: Failed to open output file: "/nonexistent/out.txt": No such file or directory\n',
    );
  });

  it('-o: the file is created even when the program is rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-cli-'));
    try {
      const out = join(dir, 'out.txt');
      const r = spawnSync(bpfq, ['-o', out, '-e', 'BEGIN { bad'], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /ERROR: syntax error/);
      assert.ok(existsSync(out));
      assert.equal(readFileSync(out, 'utf8'), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('options without a program, or an empty -e, ask for one as bpftrace 0.17 does', () => {
    for (const argv of [['-q'], ['-e', '']]) {
      const r = spawnSync(bpfq, argv, { encoding: 'utf8' });
      assert.equal(r.status, 1, argv.join(' '));
      assert.equal(r.stderr, "ERROR: USAGE: filename or -e 'program' required.\n", argv.join(' '));
    }
  });
});
