// The worker's own liveness and failure reporting with real tracing (real Redis, real kernel,
// `bin/bpfq worker` as its own process, as deployed: the API's dry-run compile of a big
// program would otherwise stall the same event loop, which is not what is tested here):
//
// - A job on every syscall entry tracepoint (360 programs here) compiles, loads and attaches
//   while the worker keeps its job lease and heartbeat alive. Redis itself is the witness: with
//   keyspace notifications on, it announces every key that expires, and neither the lease nor
//   the heartbeat may. Without the compile thread and the time-sliced load and attach, the
//   worker's event loop is held for seconds (measured: 0.4 s for a one-map body, 2.4 s for
//   this body on an idle 2-core machine, more when it is busy), longer than the slack of the
//   lease and heartbeat here: they lapse, and the API's reaper fails a live job "worker lost".
// - A program the compiler accepts but the kernel's verifier rejects fails at once, without a
//   retry, with the verifier's reason, a log excerpt and the script position in its error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { readEvents } from '../../service/job-events.js';
import { bpfqBin } from '../support/differential.js';
import { bpfFdsOf } from './kernel-state.js';
import { eventually, startHarness, type Harness } from './harness.js';

interface ApiJob {
  id: string;
  status: string;
  error: string | null;
  errorDetail: {
    kind: string;
    log?: string;
    diagnostics?: { line: number; column: number; message: string }[];
  } | null;
  hasResult: boolean;
}

/**
 * Lease period of the worker and the API's reaper: the lease lives this long and is refreshed
 * every third of it, so the worker's event loop may stall up to about two thirds of it.
 */
const STALL_MS = 1200;
const HEARTBEAT_MS = 400;

/**
 * Enough work per probe that compiling and loading 360 of them holds a thread for seconds
 * (about 2.4 s on an idle 2-core machine), with maps of bounded size so the final dump is small.
 */
const BUSY_PROGRAM =
  'tracepoint:syscalls:sys_enter_* { @calls[probe] = count(); @who[probe, comm] = count(); ' +
  '@cpus[cpu] = sum(1); @h = hist(nsecs & 0xffff); @l = lhist(cpu, 0, 64, 1); ' +
  '@ids[uid, gid] = count(); @st[comm] = stats(tid); @mx[cpu] = max(nsecs & 0xff); ' +
  '@mn[cpu] = min(nsecs & 0xff); if (pid == 1) { printf("%s %d %d %s\\n", comm, pid, tid, probe); } ' +
  'if (pid == 2) { printf("%s %d %d %s %d\\n", comm, pid, tid, probe, cpu); } }';

describe('worker with the kernel runner', needs('bpf', 'tracefs', 'redis-server'), () => {
  let h: Harness;
  let token: string;
  let worker: ChildProcess;
  let fdsBefore: string[];
  let watcher: Redis;
  /** Keys Redis reported as expired, in order. */
  const expired: string[] = [];
  /** The worker's heartbeat key. */
  let workerKey = '';

  before(async () => {
    h = await startHarness({ reaperStallMs: STALL_MS });
    // Redis announces every key it expires on this channel (E: keyevent, x: expired).
    await h.api.ctx.redis.config('SET', 'notify-keyspace-events', 'Ex');
    watcher = new Redis(h.redis.url);
    await watcher.subscribe('__keyevent@0__:expired');
    watcher.on('message', (_channel: string, key: string) => expired.push(key));
    worker = spawn(bpfqBin, ['worker'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        REDIS_URL: h.redis.url,
        BPFQ_PREFIX: h.prefix,
        BPFQ_NODE: 'busy',
        BPFQ_STALL_MS: String(STALL_MS),
        BPFQ_HEARTBEAT_MS: String(HEARTBEAT_MS),
        BPFQ_WORKER_CONCURRENCY: '2',
      },
    });
    const workerId = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      worker.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /worker ([0-9a-f-]{36}), ready/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      worker.once('exit', (code) => reject(new Error(`bpfq worker exited ${code}: ${stderr}`)));
    });
    workerKey = h.api.ctx.keys.worker('busy', workerId);
    fdsBefore = bpfFdsOf(worker.pid!);
    token = await h.token('kernel-flow');
  });
  after(async () => {
    if (worker !== undefined && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    watcher?.disconnect();
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
  const finished = (id: string, timeoutMs: number): Promise<ApiJob> =>
    eventually(
      `job ${id} to finish`,
      async () => {
        const j = await job(id);
        return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      timeoutMs,
      200,
    );
  /** BullMQ's final word on the job (not active: a stalled job would end up failed). */
  const bullState = (id: string): Promise<string> =>
    eventually(`BullMQ to settle job ${id}`, async () => {
      const s = await h.api.ctx.queues.get('busy').getJobState(id);
      return s === 'active' ? undefined : s;
    });

  it('keeps its lease and heartbeat alive while it attaches every syscall entry tracepoint', async () => {
    const tracepoints = readdirSync('/sys/kernel/tracing/events/syscalls').filter((n) =>
      n.startsWith('sys_enter_'),
    ).length;
    assert.ok(tracepoints > 100, `only ${tracepoints} syscall entry tracepoints`);

    const created = await submit({ program: BUSY_PROGRAM, durationSeconds: 1, node: 'busy' });
    // Detaching waits an RCU grace period per tracepoint: tens of seconds for all of them.
    const done = await finished(created.id, 180_000);
    assert.equal(done.status, 'completed', `${done.error ?? ''}`);
    assert.equal(await bullState(created.id), 'completed');

    const events = await readEvents(h.api.ctx.redis, h.api.ctx.keys, created.id, '0');
    const attachedEvent = events.find((e) => e.event === 'attached');
    assert.equal((attachedEvent?.data as { probes: number } | undefined)?.probes, tracepoints);
    assert.deepEqual(
      events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status),
      ['queued', 'running', 'completed'],
    );

    const lease = h.api.ctx.keys.lease(created.id);
    assert.ok(!expired.includes(lease), 'the job lease lapsed while the worker was busy');
    assert.ok(!expired.includes(workerKey), 'the worker heartbeat lapsed while it was busy');

    const result = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    assert.equal(result.status, 200);
    assert.equal((result.body as { attachedProbes: number }).attachedProbes, tracepoints);

    await eventually('the worker to close every BPF and perf fd', async () =>
      JSON.stringify(bpfFdsOf(worker.pid!)) === JSON.stringify(fdsBefore) ? true : undefined,
    );
  });

  it('fails a program the verifier rejects once, with the reason, log excerpt and source line', async () => {
    const program = 'BEGIN { while (1) { @x++; } }';
    const created = await submit({ program, durationSeconds: 5, node: 'busy' });
    const done = await finished(created.id, 30_000);
    assert.equal(done.status, 'failed');
    assert.match(
      done.error ?? '',
      /^the kernel's verifier rejected BEGIN: infinite loop detected at insn \d+ \(stdin:1:21\)$/,
    );
    assert.equal(done.errorDetail?.kind, 'verifier');
    assert.deepEqual(done.errorDetail?.diagnostics?.[0]?.line, 1);
    assert.deepEqual(done.errorDetail?.diagnostics?.[0]?.column, 21);
    assert.match(done.errorDetail?.diagnostics?.[0]?.message ?? '', /^infinite loop detected/);
    const log = done.errorDetail?.log ?? '';
    assert.match(log, /^the kernel's verifier rejected BEGIN: Invalid argument \(-22\)$/m);
    assert.match(log, /^ {2}infinite loop detected at insn \d+$/m);
    assert.match(log, /^ {2}at instruction \d+: \([0-9a-f]{2}\) /m);
    assert.ok(log.includes(`  from stdin:1:21\n  ${program}\n`), log);

    // Not retried: BullMQ failed it for good on its first attempt (a retry would be 'delayed'),
    // and it ran once.
    assert.equal(await bullState(created.id), 'failed');
    const bullJob = await h.api.ctx.queues.get('busy').getJob(created.id);
    assert.equal(bullJob?.attemptsMade, 1);
    const events = await readEvents(h.api.ctx.redis, h.api.ctx.keys, created.id, '0');
    assert.deepEqual(
      events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status),
      ['queued', 'running', 'failed'],
    );

    // The result carries the verifier's excerpt too.
    const result = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
    assert.equal(result.status, 200);
    assert.match((result.body as { verifier?: string }).verifier ?? '', /infinite loop detected/);
  });
});
