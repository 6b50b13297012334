// Redis going away and coming back: while it is down the API answers 503 (readiness, submit,
// reads) instead of hanging; after it restarts from its append-only file the API recovers by
// itself, and every job accepted before the outage still runs to completion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../api/server.js';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';
import { eventually, silent, startHarness, type Harness } from './harness.js';
import { scriptedRunner } from './scripted-runner.js';

describe('Redis restart', needs('redis-server'), () => {
  let h: Harness;
  let token: string;
  let restarted: EmbeddedRedis | undefined;

  before(async () => {
    h = await startHarness();
    await h.worker({
      node: 'steady',
      runner: scriptedRunner({ lines: ['x\n'] }),
      concurrency: 1,
      heartbeatMs: 1000,
    });
    token = await h.token('steady-tenant');
  });
  after(async () => {
    await h?.close();
    await restarted?.stop();
  });

  const auth = (r: request.Test): request.Test => r.set('Authorization', `Bearer ${token}`);

  it('answers 503 while Redis is down, recovers, and loses no accepted job', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await auth(request(h.app).post('/v1/jobs')).send({
        program: 'BEGIN { }',
        durationSeconds: 1,
      });
      assert.equal(res.status, 202);
      ids.push((res.body as { id: string }).id);
    }
    await h.redis.stop();

    const ready = await request(h.app).get('/readyz');
    h.openapi.check('GET', '/readyz', ready);
    assert.equal(ready.status, 503);
    const submit = await auth(request(h.app).post('/v1/jobs')).send({
      program: 'BEGIN { }',
      durationSeconds: 1,
    });
    h.openapi.check('POST', '/v1/jobs', submit);
    assert.equal(submit.status, 503);
    assert.match(submit.headers['content-type'] ?? '', /^application\/problem\+json/);
    const read = await auth(request(h.app).get(`/v1/jobs/${ids[0]}`));
    h.openapi.check('GET', '/v1/jobs/{id}', read);
    assert.equal(read.status, 503);
    const health = await request(h.app).get('/healthz');
    assert.equal(health.status, 200, 'liveness does not depend on Redis');

    restarted = await startEmbeddedRedis({
      dataDir: h.dir,
      port: h.redis.port,
      appendfsync: 'everysec',
    });
    await eventually('the API to be ready again', async () =>
      (await request(h.app).get('/readyz')).status === 200 ? true : undefined,
    );
    for (const id of ids) {
      const status = await eventually(
        `job ${id} to complete`,
        async () => {
          const res = await auth(request(h.app).get(`/v1/jobs/${id}`));
          const s = (res.body as { status?: string }).status;
          return s === 'completed' || s === 'failed' || s === 'cancelled' ? s : undefined;
        },
        30_000,
        100,
      );
      assert.equal(status, 'completed', id);
    }
    const after = await auth(request(h.app).post('/v1/jobs')).send({
      program: 'BEGIN { }',
      durationSeconds: 1,
    });
    assert.equal(after.status, 202);
  });

  it('starts before Redis does, answers 503, and bootstraps its admin token once Redis is up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-late-redis-'));
    // The embedded server reuses a password found in its data dir: fix it to know the URL.
    writeFileSync(join(dir, 'redis.password'), 'late-password\n');
    const port = await freePort();
    const server = await startApiServer({
      redisUrl: `redis://:late-password@127.0.0.1:${port}`,
      prefix: 'late',
      port: 0,
      host: '127.0.0.1',
      adminToken: 'late-admin',
      logger: silent,
    });
    let late: EmbeddedRedis | undefined;
    try {
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      const early = await fetch(`${server.url}/v1/jobs`, {
        headers: { Authorization: 'Bearer late-admin' },
      });
      assert.equal(early.status, 503);
      late = await startEmbeddedRedis({ dataDir: dir, port, appendfsync: 'everysec' });
      const status = await eventually(
        // Once Redis answers, the bootstrap retry (every second) registers the admin token.
        'the admin token to work',
        async () => {
          const res = await fetch(`${server.url}/v1/jobs`, {
            headers: { Authorization: 'Bearer late-admin' },
          });
          return res.status === 200 ? res.status : undefined;
        },
        15_000,
        200,
      );
      assert.equal(status, 200);
    } finally {
      await server.close();
      await late?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
