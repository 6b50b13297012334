// `bpfq worker` and `bpfq api` are stopped with SIGTERM (docker stop, systemd, Kubernetes) also
// when Redis is gone: then ioredis and BullMQ would keep reconnecting forever and hold the
// process open. Each must still exit, with status 0, rather than wait for the SIGKILL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/needs.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';

const bpfq = fileURLToPath(new URL('../../../bin/bpfq', import.meta.url));

function waitForLine(child: ChildProcess, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${log}`)), ms);
    child.stderr?.on('data', (c: Buffer) => {
      log += c.toString();
      if (pattern.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}:\n${log}`));
    });
  });
}

/** The exit status, or a rejection naming the hang once `ms` passed (the process is killed). */
function exitStatus(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running ${ms} ms after SIGTERM: it hangs without Redis`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('SIGTERM while Redis is down', needs('root', 'bpf', 'redis-server'), () => {
  let dir: string;
  let redis: EmbeddedRedis | undefined;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bpfq-shutdown-'));
    redis = await startEmbeddedRedis({ dataDir: join(dir, 'redis') });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bpfq worker and bpfq api exit with status 0', async () => {
    const env = {
      ...process.env,
      REDIS_URL: redis!.url,
      BPFQ_PREFIX: `s${randomBytes(4).toString('hex')}`,
      BPFQ_NODE: 'shutdown-test',
      BPFQ_ADMIN_TOKEN: `adm-${randomBytes(12).toString('hex')}`,
      PORT: '0',
      HOST: '127.0.0.1',
    };
    const worker = spawn(bpfq, ['worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const api = spawn(bpfq, ['api'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(worker, api);
    await Promise.all([
      waitForLine(worker, /ready/, 30_000),
      waitForLine(api, /listening on/, 30_000),
    ]);

    await redis!.stop();
    redis = undefined;
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    // Generous bounds: the worker gives running jobs 15 s to store partial results.
    const [workerStatus, apiStatus] = await Promise.all([
      exitStatus(worker, 60_000),
      exitStatus(api, 60_000),
    ]);
    assert.equal(workerStatus, 0, 'bpfq worker');
    assert.equal(apiStatus, 0, 'bpfq api');
  });
});
