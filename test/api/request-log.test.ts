// Request logs (api/request-log.ts) over a real Redis: one line per request with its id (the
// X-Request-Id the response carries), method, URL, status, duration and tenant; never the
// bearer token; `error` for a 5xx; nothing built when the level drops the line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../api/app.js';
import { createApi, type Api } from '../../api/create-api.js';
import { needs } from '../support/needs.js';
import { startHarness, type Harness } from './harness.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; remoteAddress?: string };
  res?: { statusCode: number };
  responseTime?: number;
  tenant?: string;
  err?: { message: string };
}

/** A pino destination that keeps every line and lets a test wait for the n-th. */
class Lines extends Writable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const text of chunk.toString().split('\n')) {
      if (text === '') continue;
      this.raw.push(text);
      this.lines.push(JSON.parse(text) as LogLine);
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.lines.length < w.n) return true;
      w.resolve();
      return false;
    });
    done();
  }

  /** Resolves once `n` lines have arrived (a hang fails by the test runner's timeout). */
  until(n: number): Promise<void> {
    if (this.lines.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

describe('request logs', needs('redis-server'), () => {
  let h: Harness;
  let lines: Lines;
  let api: Api;
  let app: Express;
  let alice: string;

  async function appWith(logger: Logger): Promise<{ api: Api; app: Express }> {
    const a = await createApi({
      redisUrl: h.redis.url,
      prefix: h.prefix,
      logger,
      limits: { probesTimeoutMs: 1000 },
    });
    return { api: a, app: createApp(a.ctx) };
  }

  before(async () => {
    h = await startHarness();
    alice = await h.token('alice');
    lines = new Lines();
    ({ api, app } = await appWith(pino({ level: 'info' }, lines)));
  });
  after(async () => {
    await api?.close();
    await h?.close();
  });

  it('logs each request once with its id, status, duration and tenant, never the token', async () => {
    const before = lines.lines.length;
    const res = await request(app)
      .get('/v1/jobs/no-such-job')
      .set('Authorization', `Bearer ${alice}`)
      .set('X-Request-Id', 'trace-1');
    assert.equal(res.status, 404);
    assert.equal(res.headers['x-request-id'], 'trace-1');
    const anonymous = await request(app).get('/healthz');
    assert.equal(anonymous.status, 200);
    await lines.until(before + 2);
    const [mine, health] = lines.lines.slice(before);
    assert.equal(mine?.reqId, 'trace-1');
    assert.equal(mine?.level, 30);
    assert.equal(mine?.msg, 'request completed');
    assert.deepEqual(
      { method: mine?.req?.method, url: mine?.req?.url, status: mine?.res?.statusCode },
      { method: 'GET', url: '/v1/jobs/no-such-job', status: 404 },
    );
    assert.equal(mine?.tenant, 'alice');
    assert.equal(typeof mine?.responseTime, 'number');
    assert.equal(health?.reqId, anonymous.headers['x-request-id']);
    assert.match(String(health?.reqId), /^[0-9a-f-]{36}$/);
    assert.equal(health?.tenant, undefined);
    for (const raw of lines.raw) assert.ok(!raw.includes(alice), 'the token is never logged');
  });

  it('logs a request with a bad token, without its tenant', async () => {
    const before = lines.lines.length;
    const res = await request(app).get('/v1/jobs').set('Authorization', 'Bearer not-a-token');
    assert.equal(res.status, 401);
    await lines.until(before + 1);
    const line = lines.lines[before];
    assert.equal(line?.res?.statusCode, 401);
    assert.equal(line?.tenant, undefined);
    assert.ok(!lines.raw[before]?.includes('not-a-token'));
  });

  it('logs a 5xx at error, with the failure tagged by the same request id', async () => {
    // Redis gone: routes answer 503 and the error handler logs why.
    const down = await appWith(pino({ level: 'info' }, lines));
    const before = lines.lines.length;
    const alive = await request(down.app).get('/healthz');
    assert.equal(alive.status, 200);
    await lines.until(before + 1);
    const start = lines.lines.length;
    await down.api.close();
    const res = await request(down.app)
      .get('/v1/jobs')
      .set('Authorization', `Bearer ${alice}`)
      .set('X-Request-Id', 'down-1');
    assert.equal(res.status, 503);
    await lines.until(start + 2);
    const tagged = lines.lines.slice(start).filter((l) => l.reqId === 'down-1');
    assert.deepEqual(
      tagged.map((l) => [l.level, l.msg]),
      [
        [50, 'request failed'],
        [50, 'request completed'],
      ],
    );
  });

  it('writes nothing when the level drops request lines', async () => {
    const quiet = new Lines();
    const q = await appWith(pino({ level: 'warn' }, quiet));
    try {
      const res = await request(q.app).get('/v1/jobs').set('Authorization', `Bearer ${alice}`);
      assert.equal(res.status, 200);
      assert.ok(res.headers['x-request-id'], 'requests still get an id');
      const health = await request(q.app).get('/healthz');
      assert.equal(health.status, 200);
      // The only line is one logged at warn after both requests.
      q.api.ctx.logger.warn('marker');
      await quiet.until(1);
      assert.deepEqual(
        quiet.lines.map((l) => l.msg),
        ['marker'],
      );
    } finally {
      await q.api.close();
    }
  });

  it('gives each of several concurrent requests exactly one line', async () => {
    const before = lines.lines.length;
    const ids = Array.from({ length: 8 }, () => `many-${randomBytes(3).toString('hex')}`);
    await Promise.all(
      ids.map((id) =>
        request(app)
          .get('/v1/jobs')
          .set('Authorization', `Bearer ${alice}`)
          .set('X-Request-Id', id),
      ),
    );
    await lines.until(before + ids.length);
    const seen = lines.lines.slice(before).map((l) => l.reqId);
    assert.deepEqual([...seen].sort(), [...ids].sort());
  });
});
