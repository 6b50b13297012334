// The job API over a real Redis: authentication, validation, problem documents, submit/get/
// list with pagination, idempotency, tenant isolation, cancelling a queued job, node choice,
// health and metrics. No worker runs jobs here (one registers its node), so jobs stay queued.
// Every response is checked against openapi.yaml.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { startHarness, type Harness } from './harness.js';
import { hostView } from '../../service/host-view.js';
import { writeHeartbeat } from '../../service/nodes.js';
import { queueName } from '../../service/keys.js';
import { Queue } from 'bullmq';

const program = 'tracepoint:syscalls:sys_enter_read { @reads = count(); }';

describe('job API', needs('redis-server'), () => {
  let h: Harness;
  let alice: string;
  let bob: string;

  // A node announced by heartbeat, as a worker would, but with no worker consuming its queue.
  async function announce(node: string, view?: string): Promise<void> {
    await writeHeartbeat(
      h.api.ctx.redis,
      h.api.ctx.keys,
      {
        node,
        workerId: `w-${node}`,
        pid: process.pid,
        kernel: '6.18.0',
        features: { btf: true },
        concurrency: 8,
        running: 0,
        startedAt: new Date().toISOString(),
        lastHeartbeat: new Date().toISOString(),
        ...(view === undefined ? {} : { view }),
      },
      60_000,
    );
  }

  before(async () => {
    h = await startHarness();
    alice = await h.token('alice');
    bob = await h.token('bob');
    await announce('node-a');
  });
  after(async () => {
    assert.ok(h.openapi.checked > 20, 'responses were checked against openapi.yaml');
    await h?.close();
  });

  function api(
    method: 'get' | 'post' | 'delete',
    path: string,
    token: string | null = alice,
  ): request.Test {
    const r = request(h.app)[method](path);
    return token === null ? r : r.set('Authorization', `Bearer ${token}`);
  }

  it('answers 401 problem+json without or with a bad token, with a Bearer challenge', async () => {
    for (const token of [null, 'nope']) {
      const res = await api('get', '/v1/jobs', token);
      h.openapi.check('GET', '/v1/jobs', res);
      assert.equal(res.status, 401);
      assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      const body = JSON.parse(res.text) as {
        type: string;
        title: string;
        status: number;
        detail: string;
      };
      assert.equal(body.status, 401);
      assert.equal(body.title, 'Unauthorized');
    }
  });

  it('submits a job: 202, Location, the job queued on the only live node', async () => {
    const res = await api('post', '/v1/jobs').send({ program, durationSeconds: 5 });
    h.openapi.check('POST', '/v1/jobs', res);
    assert.equal(res.status, 202);
    const job = res.body as {
      id: string;
      status: string;
      node: string;
      pid: null;
      createdAt: string;
    };
    assert.equal(res.headers['location'], `/v1/jobs/${job.id}`);
    assert.equal(job.status, 'queued');
    assert.equal(job.node, 'node-a');
    assert.equal(job.pid, null);
    const queued = await new Queue(queueName('node-a'), {
      connection: h.api.ctx.redis,
      prefix: h.prefix,
    }).getJob(job.id);
    assert.equal(queued?.data.id, job.id, 'the job is in the node queue');

    const got = await api('get', `/v1/jobs/${job.id}`);
    h.openapi.check('GET', '/v1/jobs/{id}', got);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, res.body);
  });

  it('rejects invalid bodies with 400 naming the field, and a large program with 413', async () => {
    const cases: [unknown, RegExp][] = [
      [{ durationSeconds: 5 }, /program/],
      [{ program, durationSeconds: 0 }, /durationSeconds/],
      [{ program, durationSeconds: 3601 }, /durationSeconds/],
      [{ program, durationSeconds: 1.5 }, /durationSeconds/],
      [{ program, durationSeconds: 5, pid: -1 }, /pid/],
      [{ program, durationSeconds: 5, format: 'xml' }, /format/],
      [{ program, durationSeconds: 5, params: [1] }, /params/],
      [{ program, durationSeconds: 5, extra: 1 }, /extra/],
      [[1, 2], /JSON object/],
    ];
    for (const [body, detail] of cases) {
      const res = await api('post', '/v1/jobs').send(body as object);
      h.openapi.check('POST', '/v1/jobs', res);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match((JSON.parse(res.text) as { detail: string }).detail, detail);
    }
    const bad = await api('post', '/v1/jobs')
      .set('Content-Type', 'application/json')
      .send('{"program":');
    h.openapi.check('POST', '/v1/jobs', bad);
    assert.equal(bad.status, 400);

    const big = await api('post', '/v1/jobs').send({
      program: `${'/*x*/'.repeat(13108)}BEGIN{}`,
      durationSeconds: 1,
    });
    h.openapi.check('POST', '/v1/jobs', big);
    assert.equal(big.status, 413);
    assert.match((JSON.parse(big.text) as { detail: string }).detail, /65536/);

    const huge = await api('post', '/v1/jobs').send({
      program: 'x'.repeat(2 * 1024 * 1024),
      durationSeconds: 1,
    });
    h.openapi.check('POST', '/v1/jobs', huge);
    assert.equal(huge.status, 413);
  });

  it('never shows another tenant a job: 404 for get, result, cancel, and absent from lists', async () => {
    const res = await api('post', '/v1/jobs').send({ program, durationSeconds: 5 });
    const id = (res.body as { id: string }).id;
    for (const [method, path] of [
      ['get', `/v1/jobs/${id}`],
      ['get', `/v1/jobs/${id}/result`],
      ['delete', `/v1/jobs/${id}`],
    ] as const) {
      const other = await api(method, path, bob);
      h.openapi.check(method.toUpperCase(), path.replace(id, '{id}'), other);
      assert.equal(other.status, 404, `${method} ${path}`);
    }
    const list = await api('get', '/v1/jobs', bob);
    h.openapi.check('GET', '/v1/jobs', list);
    assert.ok(!(list.body as { items: { id: string }[] }).items.some((j) => j.id === id));
    const mine = await api('get', `/v1/jobs/${id}`);
    assert.equal(mine.status, 200);
  });

  it('returns the same job for a repeated Idempotency-Key', async () => {
    const first = await api('post', '/v1/jobs')
      .set('Idempotency-Key', 'k-1')
      .send({ program, durationSeconds: 7 });
    const second = await api('post', '/v1/jobs')
      .set('Idempotency-Key', 'k-1')
      .send({ program, durationSeconds: 7 });
    h.openapi.check('POST', '/v1/jobs', second);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal((second.body as { id: string }).id, (first.body as { id: string }).id);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    // The key is per tenant: bob's identical key makes bob's own job.
    const bobs = await api('post', '/v1/jobs', bob)
      .set('Idempotency-Key', 'k-1')
      .send({ program, durationSeconds: 7 });
    assert.notEqual((bobs.body as { id: string }).id, (first.body as { id: string }).id);
    // Concurrent first submissions with a fresh key still make one job.
    const many = await Promise.all(
      Array.from({ length: 5 }, () =>
        api('post', '/v1/jobs').set('Idempotency-Key', 'k-2').send({ program, durationSeconds: 7 }),
      ),
    );
    assert.equal(new Set(many.map((r) => (r.body as { id: string }).id)).size, 1);
  });

  it('lists the caller’s jobs newest first, filters by status, and pages with a cursor', async () => {
    const t = await h.token('carol');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api('post', '/v1/jobs', t).send({ program, durationSeconds: i + 1 });
      ids.push((r.body as { id: string }).id);
    }
    await api('delete', `/v1/jobs/${ids[1]}`, t);
    const all = await api('get', '/v1/jobs', t);
    h.openapi.check('GET', '/v1/jobs', all);
    assert.deepEqual(
      (all.body as { items: { id: string }[] }).items.map((j) => j.id),
      [...ids].reverse(),
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await api(
        'get',
        `/v1/jobs?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
        t,
      );
      h.openapi.check('GET', '/v1/jobs', res);
      const page = res.body as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal(pages, 3);

    const cancelled = await api('get', '/v1/jobs?status=cancelled', t);
    assert.deepEqual(
      (cancelled.body as { items: { id: string }[] }).items.map((j) => j.id),
      [ids[1]],
    );
    const bad = await api('get', '/v1/jobs?status=done', t);
    h.openapi.check('GET', '/v1/jobs', bad);
    assert.equal(bad.status, 400);
  });

  it('cancels a queued job: it leaves the queue, ends cancelled, and has no result (409)', async () => {
    const res = await api('post', '/v1/jobs').send({ program, durationSeconds: 5 });
    const id = (res.body as { id: string }).id;
    const early = await api('get', `/v1/jobs/${id}/result`);
    h.openapi.check('GET', '/v1/jobs/{id}/result', early);
    assert.equal(early.status, 409);

    const del = await api('delete', `/v1/jobs/${id}`);
    h.openapi.check('DELETE', '/v1/jobs/{id}', del);
    assert.equal(del.status, 202);
    const job = del.body as { status: string; finishedAt: string | null };
    assert.equal(job.status, 'cancelled');
    assert.ok(job.finishedAt);
    const queue = new Queue(queueName('node-a'), { connection: h.api.ctx.redis, prefix: h.prefix });
    assert.equal(await queue.getJob(id), undefined, 'removed from the queue');
    const late = await api('get', `/v1/jobs/${id}/result`);
    assert.equal(late.status, 409);
    // Cancelling again changes nothing.
    const again = await api('delete', `/v1/jobs/${id}`);
    assert.equal((again.body as { status: string }).status, 'cancelled');
  });

  it('chooses nodes: unknown node 400; with several live nodes, 400 naming them unless one is named', async () => {
    const unknown = await api('post', '/v1/jobs').send({
      program,
      durationSeconds: 5,
      node: 'nowhere',
    });
    h.openapi.check('POST', '/v1/jobs', unknown);
    assert.equal(unknown.status, 400);
    assert.match((JSON.parse(unknown.text) as { detail: string }).detail, /nowhere.*node-a/);

    await announce('node-b');
    const ambiguous = await api('post', '/v1/jobs').send({ program, durationSeconds: 5 });
    h.openapi.check('POST', '/v1/jobs', ambiguous);
    assert.equal(ambiguous.status, 400);
    assert.deepEqual((JSON.parse(ambiguous.text) as { nodes: string[] }).nodes, [
      'node-a',
      'node-b',
    ]);
    const chosen = await api('post', '/v1/jobs').send({
      program,
      durationSeconds: 5,
      node: 'node-b',
    });
    assert.equal(chosen.status, 202);
    assert.equal((chosen.body as { node: string }).node, 'node-b');

    const nodes = await api('get', '/v1/nodes');
    h.openapi.check('GET', '/v1/nodes', nodes);
    assert.deepEqual(
      (nodes.body as { items: { name: string }[] }).items.map((n) => n.name),
      ['node-a', 'node-b'],
    );
    await h.api.ctx.redis.del(h.api.ctx.keys.worker('node-b', 'w-node-b'));
  });

  it(
    'judges probes only for a node that sees this kernel and these files, else its worker does',
    needs('tracefs'),
    async () => {
      const here = hostView();
      assert.ok(here, 'this host has a boot id and a mount namespace');
      await announce('node-here', here);
      await announce('node-elsewhere', 'another-boot-id mnt:[1]');
      const probe = 'tracepoint:syscalls:sys_enter_nonexistent { @ = count(); }';
      try {
        const rejected = await api('post', '/v1/jobs').send({
          program: probe,
          durationSeconds: 5,
          node: 'node-here',
        });
        h.openapi.check('POST', '/v1/jobs', rejected);
        assert.equal(rejected.status, 400);
        const problem = JSON.parse(rejected.text) as { errors: { line: number; column: number }[] };
        assert.deepEqual(
          problem.errors.map((e) => [e.line, e.column]),
          [[1, 1]],
        );
        // Another host may well have that tracepoint: its worker compiles and judges the job.
        const deferred = await api('post', '/v1/jobs').send({
          program: probe,
          durationSeconds: 5,
          node: 'node-elsewhere',
        });
        h.openapi.check('POST', '/v1/jobs', deferred);
        assert.equal(deferred.status, 202);
        // What is wrong on every host is rejected whatever the node.
        const typeError = await api('post', '/v1/jobs').send({
          program: 'BEGIN { @x = hist(); }',
          durationSeconds: 5,
          node: 'node-elsewhere',
        });
        assert.equal(typeError.status, 400);
        // /v1/nodes shows no host views.
        const nodes = await api('get', '/v1/nodes');
        h.openapi.check('GET', '/v1/nodes', nodes);
        assert.ok(!nodes.text.includes(here), 'host views stay inside the service');
      } finally {
        for (const n of ['node-here', 'node-elsewhere'])
          await h.api.ctx.redis.del(h.api.ctx.keys.worker(n, `w-${n}`));
      }
    },
  );

  it('issues tokens only to admins (403 otherwise)', async () => {
    const res = await api('post', '/v1/tokens').send({ tenant: 'eve' });
    h.openapi.check('POST', '/v1/tokens', res);
    assert.equal(res.status, 403);
    const ok = await api('post', '/v1/tokens', h.admin).send({
      tenant: 'eve',
      scopes: ['jobs:read'],
    });
    h.openapi.check('POST', '/v1/tokens', ok);
    assert.equal(ok.status, 201);
    const readOnly = (ok.body as { token: string }).token;
    const denied = await api('post', '/v1/jobs', readOnly).send({ program, durationSeconds: 1 });
    assert.equal(denied.status, 403);
    // Only a hash of the token is stored.
    const stored = await h.api.ctx.redis.hkeys(h.api.ctx.keys.tokens);
    assert.ok(!stored.includes(readOnly));
    assert.ok(stored.every((k) => /^[0-9a-f]{64}$/.test(k)));
  });

  it('enforces a token quota of active jobs with 429, freed when a job ends', async () => {
    const issued = await api('post', '/v1/tokens', h.admin).send({
      tenant: 'quota',
      maxActiveJobs: 2,
    });
    h.openapi.check('POST', '/v1/tokens', issued);
    assert.equal((issued.body as { maxActiveJobs: number }).maxActiveJobs, 2);
    const t = (issued.body as { token: string }).token;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ok = await api('post', '/v1/jobs', t).send({ program, durationSeconds: 5 });
      assert.equal(ok.status, 202);
      ids.push((ok.body as { id: string }).id);
    }
    const over = await api('post', '/v1/jobs', t).send({ program, durationSeconds: 5 });
    h.openapi.check('POST', '/v1/jobs', over);
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], '5');
    assert.match((JSON.parse(over.text) as { detail: string }).detail, /limit is 2/);
    await api('delete', `/v1/jobs/${ids[0]}`, t);
    const again = await api('post', '/v1/jobs', t).send({ program, durationSeconds: 5 });
    assert.equal(again.status, 202);
  });

  it('answers unknown routes with a 404 problem and hides internal errors', async () => {
    const res = await api('get', '/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    const problem = JSON.parse(res.text) as Record<string, unknown>;
    for (const field of ['type', 'title', 'status', 'detail']) assert.ok(field in problem, field);
    assert.ok(!/\/work\/|node_modules|at .*\.js/.test(res.text), 'no paths or stack traces');
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const traced = await api('get', '/v1/nothing-here').set('X-Request-Id', 'ci-run-42');
    assert.equal(traced.headers['x-request-id'], 'ci-run-42');
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const health = await request(h.app).get('/healthz');
    h.openapi.check('GET', '/healthz', health);
    assert.equal(health.status, 200);
    const ready = await request(h.app).get('/readyz');
    h.openapi.check('GET', '/readyz', ready);
    assert.equal(ready.status, 200);
    const metrics = await request(h.app).get('/metrics');
    h.openapi.check('GET', '/metrics', metrics);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^bpfq_jobs\{status="queued"\} [1-9]\d*$/m);
    assert.match(metrics.text, /^bpfq_jobs\{status="cancelled"\} [1-9]\d*$/m);
    assert.match(metrics.text, /^bpfq_queue_depth\{node="node-a"\} [1-9]\d*$/m);
    assert.match(metrics.text, /^bpfq_job_duration_seconds_count 0$/m);
  });

  it('answers POST /v1/compile with 503 when no compiler is loaded here, and validates first', async () => {
    const empty = await api('post', '/v1/compile').send({});
    h.openapi.check('POST', '/v1/compile', empty);
    assert.equal(empty.status, 400);
  });
});
