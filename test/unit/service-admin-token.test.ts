// The admin token's settings: BPFQ_ADMIN_TOKEN, or BPFQ_ADMIN_TOKEN_FILE naming a file that
// holds it (a Docker or Kubernetes secret). The file's trailing line break is not part of
// the token; an unreadable or empty file, or both variables set, stops `bpfq api` at start-up
// with one line naming the variable (never the token) and exit status 2.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminTokenSettingError, adminTokenFromEnv } from '../../service/admin-token.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpfq-admin-token-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function secret(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe('adminTokenFromEnv', () => {
  it('takes BPFQ_ADMIN_TOKEN as given, and gives nothing when neither is set', () => {
    assert.equal(adminTokenFromEnv({ BPFQ_ADMIN_TOKEN: 'abc' }), 'abc');
    assert.equal(adminTokenFromEnv({}), undefined);
    // An empty variable is unset, as everywhere in service/config.ts.
    assert.equal(adminTokenFromEnv({ BPFQ_ADMIN_TOKEN: '', BPFQ_ADMIN_TOKEN_FILE: '' }), undefined);
  });

  it('reads the token from BPFQ_ADMIN_TOKEN_FILE, without its trailing line break', () => {
    assert.equal(
      adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: secret('lf', 's3cret-token\n') }),
      's3cret-token',
    );
    assert.equal(
      adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: secret('crlf', 's3cret-token\r\n') }),
      's3cret-token',
    );
    assert.equal(
      adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: secret('bare', 's3cret-token') }),
      's3cret-token',
    );
    // An empty BPFQ_ADMIN_TOKEN beside the file is unset, not a conflict.
    assert.equal(
      adminTokenFromEnv({ BPFQ_ADMIN_TOKEN: '', BPFQ_ADMIN_TOKEN_FILE: secret('lf2', 'x\n') }),
      'x',
    );
  });

  it('refuses both variables at once', () => {
    assert.throws(
      () =>
        adminTokenFromEnv({ BPFQ_ADMIN_TOKEN: 'a', BPFQ_ADMIN_TOKEN_FILE: secret('both', 'b') }),
      (err: unknown) =>
        err instanceof AdminTokenSettingError &&
        /^both BPFQ_ADMIN_TOKEN and BPFQ_ADMIN_TOKEN_FILE are set; set only one/.test(err.message),
    );
  });

  it('names a missing file, a directory and an empty file, never echoing contents', () => {
    const missing = join(dir, 'missing');
    assert.throws(() => adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: missing }), {
      name: 'AdminTokenSettingError',
      message: `cannot read BPFQ_ADMIN_TOKEN_FILE ${missing}: no such file (is the secret mounted?)`,
    });
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    assert.throws(
      () => adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: sub }),
      new RegExp(
        `^AdminTokenSettingError: cannot read BPFQ_ADMIN_TOKEN_FILE ${sub}: it is a directory`,
      ),
    );
    for (const text of ['', '\n', '  \n\n']) {
      const file = secret('empty', text);
      assert.throws(() => adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: file }), {
        name: 'AdminTokenSettingError',
        message: `BPFQ_ADMIN_TOKEN_FILE ${file} is empty`,
      });
    }
  });

  it(
    'says the file is not readable by this user',
    { skip: process.getuid?.() === 0 ? 'root reads any file' : false },
    () => {
      const file = secret('unreadable', 'tok\n');
      writeFileSync(file, 'tok\n', { mode: 0o000 });
      assert.throws(
        () => adminTokenFromEnv({ BPFQ_ADMIN_TOKEN_FILE: file }),
        /^AdminTokenSettingError: cannot read BPFQ_ADMIN_TOKEN_FILE .*: permission denied for uid \d+/,
      );
    },
  );
});

describe('bpfq api with a bad admin token setting', () => {
  function api(env: Record<string, string>): { status: number | null; stderr: string } {
    const run = spawnSync(`${root}bin/bpfq`, ['api'], {
      // No REDIS_URL check reached: the settings are read, and refused, first.
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        REDIS_URL: 'redis://127.0.0.1:1',
        ...env,
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: run.status, stderr: run.stderr };
  }

  it('exits 2 with one line naming the unreadable file', () => {
    const missing = join(dir, 'no-such-secret');
    const { status, stderr } = api({ BPFQ_ADMIN_TOKEN_FILE: missing });
    assert.equal(status, 2, stderr);
    assert.equal(
      stderr.split('\n')[0],
      `bpfq api: cannot read BPFQ_ADMIN_TOKEN_FILE ${missing}: no such file (is the secret mounted?)`,
    );
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('exits 2 when both are set, without printing either token', () => {
    const file = secret('both-cli', 'from-the-file\n');
    const { status, stderr } = api({
      BPFQ_ADMIN_TOKEN: 'from-the-env',
      BPFQ_ADMIN_TOKEN_FILE: file,
    });
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^bpfq api: both BPFQ_ADMIN_TOKEN and BPFQ_ADMIN_TOKEN_FILE are set/);
    assert.ok(!stderr.includes('from-the-file') && !stderr.includes('from-the-env'), stderr);
  });
});
