// `bpfq serve` (what `make up` runs) as a real process: it starts an embedded redis-server,
// the API and a worker, creates an admin token file and says where it is, runs a job whose
// text equals bpftrace 0.17's for the same program, and on Ctrl-C (SIGINT) stops everything,
// leaving no redis-server behind.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { repoRoot } from '../kernel/runtime-helpers.js';
import { eventually } from './harness.js';
import { startEmbeddedRedis } from '../../service/embedded-redis.js';

/**
 * redis-server processes working in `dir` (redis rewrites its command line to its address,
 * so its working directory, which the config sets to the data dir, identifies it).
 */
function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('redis-server')) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const program = 'BEGIN { printf("hello %d\\n", 42); @n = count(); exit(); }';

describe('bpfq serve', needs('bpf', 'redis-server', 'bpftrace'), () => {
  it('runs the whole service and stops it cleanly on SIGINT', async () => {
    const expected = execFileSync('bpftrace', ['-e', program], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-serve-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      BPFQ_DATA_DIR: dir,
      BPFQ_NODE: 'served',
      BPFQ_HEARTBEAT_MS: '1000',
    };
    delete env['REDIS_URL'];
    delete env['BPFQ_ADMIN_TOKEN'];
    const serve = spawn(`${repoRoot}bin/bpfq`, ['serve'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group, like a shell job: Ctrl-C signals the whole group.
      detached: true,
    });
    let stderr = '';
    serve.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      serve.once('exit', (code) => resolve(code)),
    );
    try {
      const base = await eventually(
        'serve to start',
        async () => /API on (http:\/\/\S+)\/v1/.exec(stderr)?.[1],
        30_000,
      );
      const tokenFile = /admin token created in (\S+)/.exec(stderr)?.[1];
      assert.equal(tokenFile, join(dir, 'admin-token'));
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      const token = readFileSync(tokenFile, 'utf8').trim();
      assert.ok(!stderr.includes(token), 'the token itself is never printed');
      assert.equal(redisServersIn(dir).length, 1, 'one embedded redis-server');

      const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      const created = await fetch(`${base}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ program, durationSeconds: 10 }),
      });
      assert.equal(created.status, 202);
      const { id } = (await created.json()) as { id: string };
      const status = await eventually(
        'the job to finish',
        async () => {
          const job = (await (await fetch(`${base}/v1/jobs/${id}`, { headers })).json()) as {
            status: string;
          };
          return ['completed', 'failed', 'cancelled'].includes(job.status) ? job.status : undefined;
        },
        20_000,
      );
      assert.equal(status, 'completed');
      const text = await (
        await fetch(`${base}/v1/jobs/${id}/result?format=text`, { headers })
      ).text();
      assert.equal(text, expected);

      process.kill(-serve.pid!, 'SIGINT'); // what Ctrl-C in a terminal does
      assert.equal(await exited, 0, stderr);
      assert.deepEqual(redisServersIn(dir), [], 'no redis-server left behind');
    } finally {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
      // A failed run must not leave the redis-server this test's serve started.
      for (const pid of redisServersIn(dir)) process.kill(pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with REDIS_URL starts no redis-server of its own and leaves that Redis running', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'bpfq-serve-redis-'));
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-serve-'));
    const redis = await startEmbeddedRedis({ dataDir: redisDir, appendfsync: 'everysec' });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      REDIS_URL: redis.url,
      BPFQ_DATA_DIR: dir,
      BPFQ_ADMIN_TOKEN: 'given-admin',
      BPFQ_PREFIX: 'withurl',
      BPFQ_NODE: 'served-url',
    };
    const serve = spawn(`${repoRoot}bin/bpfq`, ['serve'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    serve.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      serve.once('exit', (code) => resolve(code)),
    );
    try {
      const base = await eventually(
        'serve to start',
        async () => /API on (http:\/\/\S+)\/v1/.exec(stderr)?.[1],
        30_000,
      );
      assert.doesNotMatch(stderr, /embedded redis-server/);
      assert.doesNotMatch(stderr, /admin token created/, 'BPFQ_ADMIN_TOKEN is used as given');
      assert.deepEqual(redisServersIn(dir), []);
      const nodes = await fetch(`${base}/v1/nodes`, {
        headers: { Authorization: 'Bearer given-admin' },
      });
      assert.equal(nodes.status, 200);
      assert.deepEqual(
        ((await nodes.json()) as { items: { name: string }[] }).items.map((n) => n.name),
        ['served-url'],
      );
      serve.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.equal(redisServersIn(redisDir).length, 1, 'the given Redis is not stopped by serve');
    } finally {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(redisDir, { recursive: true, force: true });
    }
  });
});
