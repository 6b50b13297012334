// The embedded redis-server of `bpfq serve`: it starts and answers, keeps data across a
// restart (append-only file in the data directory), stops without leaving a process, and a
// missing binary gives an error that says how to install it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { needs } from '../support/needs.js';
import { RedisServerMissingError, startEmbeddedRedis } from '../../service/embedded-redis.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded redis-server', needs('redis-server'), () => {
  it('starts, keeps data across a restart, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-redis-'));
    try {
      const first = await startEmbeddedRedis({ dataDir: dir });
      assert.match(first.url, /^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
      const client = new Redis(first.url, { lazyConnect: true });
      await client.connect();
      assert.equal(await client.set('kept', 'across restarts'), 'OK');
      // Loopback only and password protected: no password, no access.
      const anonymous = new Redis(first.port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      anonymous.on('error', () => undefined);
      await assert.rejects(
        anonymous.connect().then(() => anonymous.get('kept')),
        /NOAUTH|Connection is closed/,
      );
      anonymous.disconnect();
      client.disconnect();
      await first.stop();
      assert.equal(alive(first.pid), false, 'redis-server stopped');
      assert.ok(existsSync(join(dir, 'appendonlydir')), 'append-only data in the data directory');
      assert.equal(
        statSync(join(dir, 'redis.conf')).mode & 0o777,
        0o600,
        'config (with the password) is private',
      );

      const second = await startEmbeddedRedis({ dataDir: dir, port: first.port });
      const again = new Redis(first.url, { lazyConnect: true });
      await again.connect();
      assert.equal(await again.get('kept'), 'across restarts');
      again.disconnect();
      await second.stop();
      assert.equal(alive(second.pid), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adopts a server still running on its data directory instead of starting a second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-redis-'));
    try {
      // As after `bpfq serve` was killed with -9: its redis-server (own process group) lives on.
      const first = await startEmbeddedRedis({ dataDir: dir });
      const again = await startEmbeddedRedis({ dataDir: dir });
      assert.equal(again.pid, first.pid);
      assert.equal(again.url, first.url);
      const client = new Redis(again.url, { lazyConnect: true });
      await client.connect();
      assert.equal(await client.ping(), 'PONG');
      client.disconnect();
      await again.stop();
      assert.equal(alive(first.pid), false, 'the adopted server is stopped');
      await first.stop(); // already gone: resolves
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to install redis-server when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-redis-'));
    try {
      await assert.rejects(
        startEmbeddedRedis({ dataDir: dir, binary: '/nonexistent/redis-server' }),
        (err: unknown) =>
          err instanceof RedisServerMissingError &&
          /apt-get install redis-server/.test(err.message) &&
          /make setup/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
