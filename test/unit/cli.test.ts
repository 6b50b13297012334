import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
});
