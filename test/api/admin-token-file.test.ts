// `bpfq api` (what the API container runs) with its admin token in a file, as the compose
// file's secret and a Kubernetes Secret volume give it: BPFQ_ADMIN_TOKEN_FILE. The file's
// contents, less the trailing line break, are the admin token; nothing else is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { repoRoot } from '../kernel/runtime-helpers.js';
import { eventually } from './harness.js';
import { startEmbeddedRedis } from '../../service/embedded-redis.js';

describe('bpfq api with BPFQ_ADMIN_TOKEN_FILE', needs('redis-server'), () => {
  it('takes the admin token from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-api-secret-'));
    const redis = await startEmbeddedRedis({ dataDir: join(dir, 'redis') });
    const secret = join(dir, 'admin-token');
    // As `openssl rand -hex 24 > secrets/admin-token` writes it: with a line break.
    writeFileSync(secret, 'token-from-a-secret\n', { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      REDIS_URL: redis.url,
      BPFQ_PREFIX: 'secretfile',
      BPFQ_ADMIN_TOKEN_FILE: secret,
    };
    delete env['BPFQ_ADMIN_TOKEN'];
    const api = spawn(`${repoRoot}bin/bpfq`, ['api'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    api.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => api.once('exit', (c) => resolve(c)));
    try {
      const base = await eventually(
        'the API to listen',
        async () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1],
        30_000,
      );
      const asAdmin = (token: string): Promise<Response> =>
        fetch(`${base}/v1/nodes`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal((await asAdmin('token-from-a-secret')).status, 200);
      assert.equal((await asAdmin('token-from-a-secre')).status, 401);
      assert.ok(!stderr.includes('token-from-a-secret'), 'the token is never printed');
      api.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
