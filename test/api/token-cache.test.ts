// The bearer-token cache (service/tokens.ts) and the read path of GET /v1/jobs/{id} over a
// real Redis: a record is reused until its TTL passes on a fake clock (so nothing here waits
// or times anything), unknown tokens are never cached, the cache stays within its size, this
// process's own writes replace what it cached, and a token deleted from Redis stops working
// once its entry expires. Concurrent GETs, which share auto-pipelined reads, each get their
// own job, and another tenant's job stays 404 with every token cached.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app.js';
import { createApi, type Api } from '../../api/create-api.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';
import type { JobRecord } from '../../service/job.js';
import { keys as makeKeys, type Keys } from '../../service/keys.js';
import { hashToken, TokenStore, type TokenRecord } from '../../service/tokens.js';
import { needs } from '../support/needs.js';
import { OpenApiValidator } from './openapi-validator.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

function record(tenant: string): TokenRecord {
  return {
    tenant,
    scopes: ['jobs:read', 'jobs:write'],
    name: tenant,
    createdAt: new Date().toISOString(),
  };
}

function job(tenant: string): JobRecord {
  return {
    id: randomUUID(),
    tenant,
    status: 'queued',
    program: `BEGIN { printf("${tenant}\\n"); }`,
    durationSeconds: 5,
    pid: null,
    node: 'node-a',
    format: 'json',
    params: [],
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    error: null,
    errorDetail: null,
    warnings: [],
    hasResult: false,
    cancelRequested: false,
  };
}

describe('token cache and the job read path', needs('redis-server'), () => {
  let dir: string;
  let redis: EmbeddedRedis;
  let client: Redis;
  let keys: Keys;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bpfq-token-cache-'));
    redis = await startEmbeddedRedis({ dataDir: dir, appendfsync: 'everysec' });
    client = new Redis(redis.url);
    keys = makeKeys(`t${randomBytes(4).toString('hex')}`);
  });
  after(async () => {
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reuses a record until its TTL passes, then reads Redis again', async () => {
    const clock = fakeClock();
    const store = new TokenStore(client, keys, { cacheTtlMs: 5000, now: clock.now });
    await store.put('tok-a', record('alice'));
    assert.equal((await store.lookup('tok-a'))?.tenant, 'alice');
    // Revoked behind the store's back (another replica, an operator's HDEL).
    await client.hdel(keys.tokens, hashToken('tok-a'));
    clock.advance(4999);
    assert.equal((await store.lookup('tok-a'))?.tenant, 'alice', 'still cached');
    clock.advance(1);
    assert.equal(await store.lookup('tok-a'), undefined, 'expired: Redis says it is gone');
    assert.equal(store.cachedCount, 0);
  });

  it('never caches an unknown token, so one issued elsewhere works at once', async () => {
    const store = new TokenStore(client, keys);
    const elsewhere = new TokenStore(client, keys);
    assert.equal(await store.lookup('tok-late'), undefined);
    assert.equal(store.cachedCount, 0);
    await elsewhere.put('tok-late', record('carol'));
    assert.equal((await store.lookup('tok-late'))?.tenant, 'carol');
  });

  it('keeps at most cacheSize records, dropping the oldest', async () => {
    const store = new TokenStore(client, keys, { cacheSize: 2 });
    for (const t of ['s1', 's2', 's3']) await store.put(t, record(t));
    for (const t of ['s1', 's2', 's3']) assert.equal((await store.lookup(t))?.tenant, t);
    assert.equal(store.cachedCount, 2);
    for (const t of ['s1', 's2', 's3']) await client.hdel(keys.tokens, hashToken(t));
    assert.equal(await store.lookup('s1'), undefined, 's1 was dropped, so Redis was asked');
    assert.equal((await store.lookup('s3'))?.tenant, 's3', 's3 is still cached');
  });

  it("serves this process's own writes at once, and shares frozen records", async () => {
    const store = new TokenStore(client, keys);
    await store.put('tok-w', record('dave'));
    const first = await store.lookup('tok-w');
    assert.equal(first?.tenant, 'dave');
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.scopes));
    await store.put('tok-w', { ...record('dave'), maxActiveJobs: 3 });
    assert.equal((await store.lookup('tok-w'))?.maxActiveJobs, 3);
  });

  it('caches nothing with cacheTtlMs 0', async () => {
    const store = new TokenStore(client, keys, { cacheTtlMs: 0 });
    await store.put('tok-0', record('erin'));
    assert.equal((await store.lookup('tok-0'))?.tenant, 'erin');
    assert.equal(store.cachedCount, 0);
    await client.hdel(keys.tokens, hashToken('tok-0'));
    assert.equal(await store.lookup('tok-0'), undefined);
  });

  describe('through the API', () => {
    const clock = fakeClock();
    const openapi = new OpenApiValidator();
    let api: Api;
    let app: Express;
    let alice: string;
    let bob: string;
    const jobs: JobRecord[] = [];

    before(async () => {
      api = await createApi({
        redisUrl: redis.url,
        prefix: `t${randomBytes(4).toString('hex')}`,
        logger: pino({ level: 'silent' }),
        tokenCache: { cacheTtlMs: 5000, now: clock.now },
      });
      app = createApp(api.ctx);
      alice = (await api.ctx.tokens.issue('alice', ['jobs:read'], 'a')).token;
      bob = (await api.ctx.tokens.issue('bob', ['jobs:read'], 'b')).token;
      for (const tenant of ['alice', 'bob', 'alice', 'bob']) {
        const j = job(tenant);
        await api.ctx.jobs.create(j);
        jobs.push(j);
      }
    });
    after(async () => {
      await api?.close();
    });

    const get = (id: string, token: string): request.Test =>
      request(app).get(`/v1/jobs/${id}`).set('Authorization', `Bearer ${token}`);

    it('answers concurrent GETs each with its own job, and 404 for another tenant’s', async () => {
      const asks = [];
      for (let round = 0; round < 5; round++) {
        for (const j of jobs) {
          for (const [tenant, token] of [
            ['alice', alice],
            ['bob', bob],
          ] as const) {
            asks.push({ j, tenant, res: get(j.id, token).then((r) => r) });
          }
        }
      }
      for (const { j, tenant, res } of asks) {
        const r = await res;
        openapi.check('GET', '/v1/jobs/{id}', r);
        if (j.tenant === tenant) {
          assert.equal(r.status, 200);
          const body = r.body as { id: string; program: string };
          assert.equal(body.id, j.id);
          assert.equal(body.program, j.program);
        } else {
          assert.equal(r.status, 404, `${tenant} must not see ${j.tenant}'s job`);
        }
      }
    });

    it('stops accepting a token deleted from Redis once its cache entry expires', async () => {
      const mine = jobs[0]!;
      assert.equal((await get(mine.id, alice)).status, 200);
      await api.ctx.redis.hdel(api.ctx.keys.tokens, hashToken(alice));
      // Within the documented revocation latency the cached record still answers.
      assert.equal((await get(mine.id, alice)).status, 200);
      clock.advance(5000);
      const res = await get(mine.id, alice);
      openapi.check('GET', '/v1/jobs/{id}', res);
      assert.equal(res.status, 401);
    });
  });
});
