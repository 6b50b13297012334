// The worker side of the service over a real Redis, with the scripted runner (no BPF; the
// kernel end-to-end runs are in tracing.test.ts): a job runs and stores its result in three
// forms, Server-Sent Events deliver backlog and live events, a running job is cancelled and
// keeps its partial result, a worker shutdown interrupts its jobs, floods are bounded, probe
// lists come from the node's worker, and a worker killed with -9 makes its job "worker lost".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { eventually, startHarness, type Harness } from './harness.js';
import { scriptedRunner } from './scripted-runner.js';
import { readSse } from './sse-client.js';
import { readEvents } from '../../service/job-events.js';
import type { TraceRequest } from '../../worker/service/job-runner.js';

interface ApiJob {
  id: string;
  status: string;
  error: string | null;
  errorDetail: { kind: string } | null;
  hasResult: boolean;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * Lease and lock period of the workers here. Short so a killed worker is noticed quickly, but
 * well above the event-loop stalls a busy 2-core machine can cause (a stall longer than this
 * would make a live worker look lost).
 */
const STALL_MS = 2500;

describe('worker flow', needs('redis-server'), () => {
  let h: Harness;
  let server: Server;
  let base: string;
  let token: string;
  const runs: TraceRequest[] = [];

  before(async () => {
    h = await startHarness({ reaperStallMs: STALL_MS });
    await h.worker({
      node: 'flow',
      runner: scriptedRunner({ lines: ['one\n', 'two\n', 'three\n'], everyMs: 100, runs }),
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    token = await h.token('flow-tenant');
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await h?.close();
  });

  const auth = (r: request.Test): request.Test => r.set('Authorization', `Bearer ${token}`);
  async function submit(body: object): Promise<ApiJob> {
    const res = await auth(request(h.app).post('/v1/jobs')).send(body);
    h.openapi.check('POST', '/v1/jobs', res);
    assert.equal(res.status, 202, res.text);
    return res.body as ApiJob;
  }
  async function job(id: string): Promise<ApiJob> {
    const res = await auth(request(h.app).get(`/v1/jobs/${id}`));
    h.openapi.check('GET', '/v1/jobs/{id}', res);
    return res.body as ApiJob;
  }
  const finished = (id: string, timeoutMs = 10_000): Promise<ApiJob> =>
    eventually(
      `job ${id} to finish`,
      async () => {
        const j = await job(id);
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      timeoutMs,
    );

  it('runs a job and stores JSON, bpftrace text and NDJSON results', async () => {
    const created = await submit({ program: 'BEGIN { printf("one\\n"); }', durationSeconds: 1 });
    const live = readSse(`${base}/v1/jobs/${created.id}/events`, token);
    const done = await finished(created.id);
    assert.equal(done.status, 'completed');
    assert.ok(
      done.startedAt !== null && done.finishedAt !== null && done.finishedAt >= done.startedAt,
    );
    assert.equal(done.hasResult, true);

    const json = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    h.openapi.check('GET', '/v1/jobs/{id}/result', json);
    assert.equal(json.status, 200);
    const result = json.body as {
      status: string;
      printf: string[];
      attachedProbes: number;
      maps: { name: string; entries: { value: unknown }[] }[];
      records: unknown[];
      interrupted: boolean;
    };
    assert.equal(result.status, 'completed');
    assert.equal(result.interrupted, false);
    assert.deepEqual(result.printf, ['one\n', 'two\n', 'three\n']);
    assert.equal(result.attachedProbes, 1);
    assert.deepEqual(result.maps[0], {
      name: '@lines',
      kind: 'count',
      keyed: false,
      entries: [{ key: [], value: { type: 'int', value: 3 } }],
    });
    assert.deepEqual(result.records, [
      { type: 'attached_probes', data: { probes: 1 } },
      { type: 'printf', data: 'one\n' },
      { type: 'printf', data: 'two\n' },
      { type: 'printf', data: 'three\n' },
      { type: 'map', data: { '@lines': 3 } },
    ]);

    // What bpftrace 0.17 prints for these records (see worker/output's fixtures).
    const expectedText = 'Attaching 1 probe...\none\ntwo\nthree\n\n\n@lines: 3\n';
    const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`)).set(
      'Accept',
      'text/plain',
    );
    h.openapi.check('GET', '/v1/jobs/{id}/result', text);
    assert.match(text.headers['content-type'] ?? '', /^text\/plain/);
    assert.equal(text.text, expectedText);
    const query = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=text`));
    assert.equal(query.text, expectedText);
    const textJob = await submit({ program: 'BEGIN { }', durationSeconds: 1, format: 'text' });
    await finished(textJob.id);
    const preferred = await auth(request(h.app).get(`/v1/jobs/${textJob.id}/result`));
    assert.match(
      preferred.headers['content-type'] ?? '',
      /^text\/plain/,
      'the job format when no Accept',
    );
    const asked = await auth(request(h.app).get(`/v1/jobs/${textJob.id}/result`)).set(
      'Accept',
      'application/json',
    );
    assert.match(asked.headers['content-type'] ?? '', /^application\/json/);

    const ndjson = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=ndjson`));
    h.openapi.check('GET', '/v1/jobs/{id}/result', ndjson);
    assert.match(ndjson.text, /^\{"type": "attached_probes", "data": \{"probes": 1\}\}\n/);

    // The live SSE client saw the whole life of the job, then the stream ended.
    const end = await live.done;
    assert.equal(end.status, 200);
    assert.match(end.contentType ?? '', /^text\/event-stream/);
    const names = live.events.map((e) =>
      e.event === 'status' ? `status:${(e.data as { status: string }).status}` : e.event,
    );
    assert.deepEqual(names, [
      'status:queued',
      'status:running',
      'attached',
      'printf',
      'printf',
      'printf',
      'result',
      'status:completed',
    ]);
    assert.deepEqual(
      live.events.filter((e) => e.event === 'printf').map((e) => (e.data as { text: string }).text),
      ['one\n', 'two\n', 'three\n'],
    );

    const schemas: Record<string, string> = {
      status: 'JobEventStatus',
      attached: 'JobEventAttached',
      printf: 'JobEventPrintf',
      lost: 'JobEventLost',
      result: 'JobEventResult',
    };
    for (const e of live.events) h.openapi.checkSchema(schemas[e.event] ?? 'missing', e.data);

    // The result event carries the result itself (small results) and its URL.
    const resultEvent = live.events.find((e) => e.event === 'result')?.data as {
      href: string;
      result?: unknown;
    };
    assert.equal(resultEvent.href, `/v1/jobs/${created.id}/result`);
    assert.deepEqual(resultEvent.result, json.body);

    // A late client gets the backlog; one resuming with Last-Event-ID gets only what followed.
    const late = readSse(`${base}/v1/jobs/${created.id}/events`, token);
    await late.done;
    assert.deepEqual(
      late.events.map((e) => e.id),
      live.events.map((e) => e.id),
    );
    const third = live.events[3]!.id!;
    const resumed = readSse(`${base}/v1/jobs/${created.id}/events`, token, {
      'Last-Event-ID': third,
    });
    await resumed.done;
    assert.deepEqual(
      resumed.events.map((e) => e.id),
      live.events.slice(4).map((e) => e.id),
    );
  });

  /** Resolves once the job has streamed at least one printf line. */
  const printed = (id: string): Promise<true> =>
    eventually(`job ${id} to print`, async () =>
      (await readEvents(h.api.ctx.redis, h.api.ctx.keys, id, '0')).some((e) => e.event === 'printf')
        ? true
        : undefined,
    );

  it('cancels a running job; it keeps its partial result', async () => {
    // How fast a cancel lands is measured by bench/api.ts, not asserted here.
    const slow = await h.worker({
      node: 'slow',
      runner: scriptedRunner({
        lines: Array.from({ length: 100 }, (_, i) => `${i}\n`),
        everyMs: 100,
      }),
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    const created = await submit({ program: 'BEGIN { }', durationSeconds: 60, node: 'slow' });
    await printed(created.id);
    const del = await auth(request(h.app).delete(`/v1/jobs/${created.id}`));
    h.openapi.check('DELETE', '/v1/jobs/{id}', del);
    assert.equal(del.status, 202);
    const done = await finished(created.id);
    assert.equal(done.status, 'cancelled');
    const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    h.openapi.check('GET', '/v1/jobs/{id}/result', res);
    const result = res.body as {
      status: string;
      interrupted: boolean;
      printf: string[];
      maps: unknown[];
    };
    assert.equal(result.status, 'cancelled');
    assert.equal(result.interrupted, true);
    assert.ok(
      result.printf.length >= 1 && result.printf.length < 100,
      `partial: ${result.printf.length} lines`,
    );
    assert.equal(result.maps.length, 1, 'the exit dump is kept');
    await slow.close();
  });

  it('answers probe listings from a worker of the node', async () => {
    const res = await auth(request(h.app).get('/v1/probes?search=*read*'));
    h.openapi.check('GET', '/v1/probes', res);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { node: 'flow', probes: ['tracepoint:syscalls:sys_enter_read'] });
    const unknown = await auth(request(h.app).get('/v1/probes?node=elsewhere'));
    h.openapi.check('GET', '/v1/probes', unknown);
    assert.equal(unknown.status, 400);
  });

  it('bounds a printf flood and reports the dropped lines as lost events', async () => {
    const flood = await h.worker({
      node: 'flood',
      runner: scriptedRunner({
        lines: Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`),
        everyMs: 0,
      }),
      maxResultBytes: 64 * 1024,
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    const created = await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'flood' });
    const done = await finished(created.id, 20_000);
    assert.equal(done.status, 'completed');
    const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    h.openapi.check('GET', '/v1/jobs/{id}/result', res);
    const result = res.body as { lostEvents: number; printf: string[]; truncated: boolean };
    assert.ok(result.lostEvents > 0, 'lost events reported');
    assert.equal(result.printf.length + result.lostEvents, 3000);
    assert.equal(result.truncated, false, 'the budget keeps the result under the cap');
    const stored = await h.api.ctx.redis.memory('USAGE', h.api.ctx.keys.result(created.id));
    assert.ok((stored ?? 0) < 200 * 1024, `stored ${stored} bytes`);
    const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=text`));
    assert.match(text.text, /^Lost \d+ events$/m);
    await flood.close();
  });

  it('marks a job "worker lost" when its worker is killed with -9', async () => {
    const script = fileURLToPath(new URL('./scripted-worker-main.js', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        REDIS_URL: h.redis.url,
        BPFQ_PREFIX: h.prefix,
        BPFQ_NODE: 'doomed',
        BPFQ_STALL_MS: String(STALL_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) =>
          d.toString().includes('ready') ? resolve() : undefined,
        );
        child.once('exit', () => reject(new Error('worker exited early')));
      });
      const created = await submit({ program: 'BEGIN { }', durationSeconds: 60, node: 'doomed' });
      await eventually('running', async () =>
        (await job(created.id)).status === 'running' ? true : undefined,
      );
      child.kill('SIGKILL');
      const done = await finished(created.id, 10_000);
      assert.equal(done.status, 'failed');
      assert.equal(done.error, 'worker lost');
      assert.equal(done.errorDetail?.kind, 'worker-lost');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('on shutdown interrupts running jobs and keeps their partial results', async () => {
    const w = await h.worker({
      node: 'leaving',
      runner: scriptedRunner({
        lines: Array.from({ length: 100 }, (_, i) => `${i}\n`),
        everyMs: 100,
      }),
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    const created = await submit({ program: 'BEGIN { }', durationSeconds: 60, node: 'leaving' });
    await eventually('running', async () =>
      (await job(created.id)).status === 'running' ? true : undefined,
    );
    await printed(created.id);
    await w.close();
    const done = await job(created.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.errorDetail?.kind, 'interrupted');
    const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    const result = res.body as { interrupted: boolean; printf: string[] };
    assert.equal(result.interrupted, true);
    assert.ok(result.printf.length >= 1 && result.printf.length < 100);
    const nodes = await auth(request(h.app).get('/v1/nodes'));
    assert.ok(
      !(nodes.body as { items: { name: string }[] }).items.some((n) => n.name === 'leaving'),
      'deregistered',
    );
  });

  it('cuts a result over BPFQ_MAX_RESULT_BYTES and marks it truncated', async () => {
    const cap = 32 * 1024;
    const big = await h.worker({
      node: 'big',
      runner: scriptedRunner({ lines: ['a\n'], bigMapEntries: 5000 }),
      maxResultBytes: cap,
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    const created = await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'big' });
    assert.equal((await finished(created.id)).status, 'completed');
    const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    h.openapi.check('GET', '/v1/jobs/{id}/result', res);
    assert.equal((res.body as { truncated: boolean }).truncated, true);
    const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=text`));
    assert.match(text.text, /^Attaching 1 probe\.\.\.\na\n/);
    const sizes = await Promise.all(
      ['json', 'text', 'ndjson'].map((f) =>
        h.api.ctx.redis.hstrlen(h.api.ctx.keys.result(created.id), f),
      ),
    );
    assert.ok(sizes.reduce((a, b) => a + b, 0) <= cap, `stored ${sizes.join('+')} bytes`);
    await big.close();
  });

  it('retries a transient failure and then completes the job', async () => {
    const flaky: TraceRequest[] = [];
    const w = await h.worker({
      node: 'flaky',
      runner: scriptedRunner({ lines: ['ok\n'], runs: flaky, failFirst: 1 }),
      stallMs: STALL_MS,
      heartbeatMs: 1000,
    });
    const created = await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'flaky' });
    const done = await finished(created.id, 15_000);
    assert.equal(done.status, 'completed');
    assert.equal(flaky.length, 2, 'ran twice: the failure, then the retry');
    const events = readSse(`${base}/v1/jobs/${created.id}/events`, token);
    await events.done;
    const statuses = events.events
      .filter((e) => e.event === 'status')
      .map((e) => (e.data as { status: string }).status);
    assert.deepEqual(statuses, ['queued', 'running', 'queued', 'running', 'completed']);
    await w.close();
  });

  it('counts finished jobs in /metrics and ran each job once', async () => {
    const metrics = await request(h.app).get('/metrics');
    const count = /^bpfq_job_duration_seconds_count (\d+)$/m.exec(metrics.text);
    assert.ok(count && Number(count[1]) >= 2, metrics.text.slice(0, 300));
    assert.match(metrics.text, /^bpfq_jobs\{status="completed"\} [1-9]/m);
    assert.match(metrics.text, /^bpfq_events_lost [1-9]/m);
    const ids = runs.map((r) => r.jobId);
    assert.equal(new Set(ids).size, ids.length, 'no job ran twice');
  });
});
