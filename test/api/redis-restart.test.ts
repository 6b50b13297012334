// Redis going away and coming back: while it is down the API answers 503 (readiness, submit,
// reads) instead of hanging; after it restarts from its append-only file the API recovers by
// itself, and every job accepted before the outage still runs to completion.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';
import { eventually, startHarness, type Harness } from './harness.js';
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
      heartbeatMs: 200,
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
});
