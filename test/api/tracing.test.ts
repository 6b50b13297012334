// End to end with real tracing: jobs submitted over HTTP are compiled, loaded and attached by
// a worker with the kernel runner, and their results compared with what bpftrace 0.17 prints
// for the same program and workload (run live here). Also: cancelling a running trace keeps
// its partial result, compile errors fail without retry, a missing pid fails at once, and a
// worker killed with -9 leaves nothing attached. Each test checks no BPF program of ours is
// left loaded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { cleanStderr } from '../support/differential.js';
import { repoRoot, workloadBinary } from '../kernel/runtime-helpers.js';
import { bpfFdsOf, bpfProgIdsOf, programExists } from './kernel-state.js';
import { kernelRunner } from '../../worker/service/kernel-runner.js';
import { readEvents } from '../../service/job-events.js';
import { eventually, startHarness, type Harness } from './harness.js';

interface ApiJob {
  id: string;
  status: string;
  error: string | null;
  errorDetail: {
    kind: string;
    diagnostics?: { line: number; column: number; message: string }[];
  } | null;
  warnings: string[];
  hasResult: boolean;
}

/** The workload (test/kernel/runtime-workload.c) waiting for a newline before it works. */
function startWorkload(n: number): ChildProcess & { go(): void } {
  const child = spawn(workloadBinary(), [String(n), 'wait'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return Object.assign(child, { go: () => child.stdin!.end('\n') });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

const differential =
  'tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @calls = count(); } ' +
  'tracepoint:syscalls:sys_enter_write /pid == $1 && args->count > 90/ ' +
  '{ printf("big %d\\n", args->count); @sizes = hist(args->count); }';

/**
 * Lease and lock period of the workers here. Short so a killed worker is noticed quickly, but
 * well above the event-loop stalls a busy 2-core machine can cause (a stall longer than this
 * would make a live worker look lost).
 */
const STALL_MS = 2500;

describe(
  'tracing jobs end to end',
  needs('bpf', 'tracefs', 'redis-server', 'cc', 'bpftrace'),
  () => {
    let h: Harness;
    let token: string;
    let server: Server;
    let base: string;
    let fdsBefore: string[];
    /** Programs the in-process worker held while jobs ran: each must be gone afterwards. */
    const seenProgs = new Set<number>();

    before(async () => {
      workloadBinary();
      fdsBefore = bpfFdsOf('self');
      h = await startHarness({ reaperStallMs: STALL_MS });
      await h.worker({
        node: 'local',
        runner: kernelRunner(),
        stallMs: STALL_MS,
        heartbeatMs: 1000,
      });
      token = await h.token('tracer');
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
      return (await auth(request(h.app).get(`/v1/jobs/${id}`))).body as ApiJob;
    }
    const finished = (id: string, timeoutMs = 20_000): Promise<ApiJob> =>
      eventually(
        `job ${id} to finish`,
        async () => {
          const j = await job(id);
          return ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
        },
        timeoutMs,
      );
    async function attached(id: string): Promise<void> {
      await eventually(
        `job ${id} to attach`,
        async () =>
          (await readEvents(h.api.ctx.redis, h.api.ctx.keys, id, '0')).some(
            (e) => e.event === 'attached',
          )
            ? true
            : undefined,
        20_000,
      );
      for (const prog of bpfProgIdsOf('self')) seenProgs.add(prog);
    }
    /** The in-process worker holds no BPF fd any more, and the kernel freed its programs. */
    async function nothingLeft(): Promise<void> {
      await eventually(
        'the worker to release its BPF objects',
        async () =>
          JSON.stringify(bpfFdsOf('self')) === JSON.stringify(fdsBefore) ? true : undefined,
        10_000,
        50,
      );
      assert.ok(seenProgs.size > 0, 'programs were seen while jobs ran');
      await eventually(
        'the kernel to free our programs',
        async () => ([...seenProgs].some(programExists) ? undefined : true),
        10_000,
        100,
      );
    }

    it('prints exactly what bpftrace 0.17 prints for a pid-scoped tracepoint job', async () => {
      // bpftrace 0.17 on the same program and workload; -p makes it end when the workload ends.
      const oracleLoad = startWorkload(100);
      const oracle = spawn(
        'bpftrace',
        ['-p', String(oracleLoad.pid), '-e', differential, String(oracleLoad.pid)],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      let expected = '';
      oracle.stdout!.setEncoding('utf8').on('data', (d: string) => (expected += d));
      await eventually(
        'bpftrace to attach',
        async () => (expected.includes('Attaching') ? true : undefined),
        20_000,
      );
      // 0.17 prints the banner before attaching: wait for its two tracepoint perf events.
      await eventually(
        'bpftrace to attach',
        async () =>
          bpfFdsOf(oracle.pid!).filter((k) => k === 'anon_inode:[perf_event]').length >= 2
            ? true
            : undefined,
        20_000,
      );
      await sleep(100); // the enable ioctl follows each perf_event_open
      oracleLoad.go();
      await exited(oracle);
      assert.match(expected, /^Attaching 2 probes\.\.\.\nbig 91\n/);

      const load = startWorkload(100);
      const created = await submit({
        program: differential,
        durationSeconds: 60,
        pid: load.pid,
        params: [String(load.pid)],
      });
      const live = `${base}/v1/jobs/${created.id}/events`;
      await attached(created.id);
      load.go();
      const done = await finished(created.id);
      assert.equal(done.status, 'completed', done.error ?? '');

      const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`)).set(
        'Accept',
        'text/plain',
      );
      h.openapi.check('GET', '/v1/jobs/{id}/result', text);
      assert.equal(text.text, expected);

      const json = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
      h.openapi.check('GET', '/v1/jobs/{id}/result', json);
      const result = json.body as {
        probes: string[];
        printf: string[];
        maps: {
          name: string;
          entries: { value: { type: string; value?: number; buckets?: unknown[] } }[];
        }[];
        records: { type: string }[];
      };
      assert.equal(result.printf.length, 9);
      assert.deepEqual(result.probes, [
        'tracepoint:syscalls:sys_enter_getppid',
        'tracepoint:syscalls:sys_enter_write',
      ]);
      const calls = result.maps.find((m) => m.name === '@calls');
      assert.deepEqual(calls?.entries[0]?.value, { type: 'int', value: 100 });
      const sizes = result.maps.find((m) => m.name === '@sizes');
      assert.deepEqual(sizes?.entries[0]?.value, {
        type: 'hist',
        buckets: [{ min: 64, max: 127, count: 9 }],
      });
      assert.deepEqual(result.records.at(-1), {
        type: 'hist',
        data: { '@sizes': [{ min: 64, max: 127, count: 9 }] },
      });
      assert.ok(live.length > 0);
      await nothingLeft();
    });

    it('filters a pid-scoped job in the kernel: other processes are not counted', async () => {
      const mine = startWorkload(50);
      const other = startWorkload(70);
      const created = await submit({
        program: 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); }',
        durationSeconds: 60,
        pid: mine.pid,
      });
      await attached(created.id);
      other.go();
      await exited(other);
      mine.go();
      const done = await finished(created.id);
      assert.equal(done.status, 'completed');
      const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=text`));
      assert.equal(text.text, 'Attaching 1 probe...\n\n\n@calls: 50\n');
      await nothingLeft();
    });

    it('attaches a USDT probe to the job’s pid (semaphore set in that process)', async () => {
      const load = startWorkload(40);
      const created = await submit({
        program: `usdt:${workloadBinary()}:bpfq:tick { @ticks = count(); @sum = sum(arg0); }`,
        durationSeconds: 60,
        pid: load.pid,
      });
      await attached(created.id);
      load.go();
      const done = await finished(created.id);
      assert.equal(done.status, 'completed', done.error ?? '');
      const text = await auth(request(h.app).get(`/v1/jobs/${created.id}/result?format=text`));
      // The workload fires bpfq:tick(i) for i = 0..39 (40 ticks, sum 780). bpftrace 0.17 itself
      // cannot attach this semaphore-guarded probe here ("No probes to attach"), so the
      // expected text is its layout for two scalar maps, in name order.
      assert.equal(text.text, 'Attaching 1 probe...\n\n\n@sum: 780\n@ticks: 40\n');
      await nothingLeft();
    });

    it('cancels a running trace: it detaches and keeps its partial result', async () => {
      const created = await submit({
        program:
          'interval:ms:100 { @ticks = count(); } tracepoint:syscalls:sys_enter_getppid { @calls = count(); }',
        durationSeconds: 120,
      });
      await attached(created.id);
      await sleep(450);
      const del = await auth(request(h.app).delete(`/v1/jobs/${created.id}`));
      assert.equal(del.status, 202);
      const done = await finished(created.id);
      assert.equal(done.status, 'cancelled');

      const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
      const result = res.body as {
        interrupted: boolean;
        maps: { name: string; entries: { value: { value: number } }[] }[];
      };
      assert.equal(result.interrupted, true);
      const ticks = result.maps.find((m) => m.name === '@ticks')?.entries[0]?.value.value ?? 0;
      // Fewer than the whole 120 s would give: it stopped early and kept what it had.
      assert.ok(ticks >= 1 && ticks < 1200, `partial @ticks = ${ticks}`);
      await nothingLeft();
    });

    /**
     * Queues a job as the API does, without its checks: what a worker meets when an API that
     * cannot judge probes (no tracefs in its container) accepted the program.
     */
    async function enqueueDirectly(program: string, node: string): Promise<string> {
      const id = randomUUID();
      await h.api.ctx.jobs.create({
        id,
        tenant: 'tracer',
        status: 'queued',
        program,
        durationSeconds: 5,
        pid: null,
        node,
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
      });
      await h.api.ctx.queues
        .get(node)
        .add(
          'trace',
          { id },
          { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
        );
      return id;
    }

    it('fails a program the worker compiler rejects at once, with its diagnostics, without retrying', async () => {
      const created = { id: await enqueueDirectly('BEGIN { @x = hist(); }', 'local') };
      const done = await finished(created.id, 10_000);
      assert.equal(done.status, 'failed');
      assert.equal(done.errorDetail?.kind, 'compile');
      assert.deepEqual(done.errorDetail?.diagnostics?.[0], {
        line: 1,
        column: 14,
        message: 'hist() requires one argument (0 provided)',
      });
      // A retried job would be 'delayed' (backoff) and then run again; this one is failed for good.
      const state = await eventually('BullMQ to settle the job', async () => {
        const s = await h.api.ctx.queues.get('local').getJobState(created.id);
        return s === 'active' ? undefined : s;
      });
      assert.equal(state, 'failed');
      await sleep(1200); // longer than the first retry's backoff
      assert.equal(await h.api.ctx.queues.get('local').getJobState(created.id), 'failed');
      assert.equal((await job(created.id)).status, 'failed');

      const compile = await auth(request(h.app).post('/v1/compile')).send({
        program: 'BEGIN { @x = hist(); }',
      });
      h.openapi.check('POST', '/v1/compile', compile);
      assert.equal(compile.status, 400);
      assert.deepEqual((JSON.parse(compile.text) as { errors: unknown[] }).errors[0], {
        line: 1,
        column: 14,
        message: 'hist() requires one argument (0 provided)',
        code: 'E2025',
      });
      const ok = await auth(request(h.app).post('/v1/compile')).send({
        program: 'tracepoint:syscalls:sys_enter_read { @ = count(); }',
      });
      h.openapi.check('POST', '/v1/compile', ok);
      assert.equal(ok.status, 200);
      assert.equal((ok.body as { probes: number }).probes, 1);
    });

    it('lists probes as bpftrace -l does, and reports the node with its kernel', async () => {
      const pattern = 'tracepoint:syscalls:sys_enter_getp*';
      const expected = execFileSync('bpftrace', ['-l', pattern], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .split('\n')
        .filter((l) => l !== '');
      assert.ok(expected.includes('tracepoint:syscalls:sys_enter_getppid'));
      const res = await auth(
        request(h.app).get(`/v1/probes?node=local&search=${encodeURIComponent(pattern)}`),
      );
      h.openapi.check('GET', '/v1/probes', res);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { node: 'local', probes: expected });

      const nodes = await auth(request(h.app).get('/v1/nodes'));
      h.openapi.check('GET', '/v1/nodes', nodes);
      const local = (
        nodes.body as {
          items: { name: string; kernel: string; features: Record<string, boolean> }[];
        }
      ).items.find((n) => n.name === 'local');
      assert.equal(local?.kernel, release());
      assert.equal(local?.features['tracepoints'], true);
      assert.equal(local?.features['btf'], true);
    });

    it('reports the kernel time of its programs in /metrics when BPF statistics are on', async () => {
      const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
      const was = readFileSync(sysctl, 'utf8').trim();
      writeFileSync(sysctl, '1');
      try {
        const load = startWorkload(2000);
        const created = await submit({
          program: 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); }',
          durationSeconds: 60,
          pid: load.pid,
        });
        await attached(created.id);
        load.go();
        assert.equal((await finished(created.id)).status, 'completed');
      } finally {
        writeFileSync(sysctl, was);
      }
      const seconds = await eventually('the worker to report BPF run time', async () => {
        const text = (await request(h.app).get('/metrics')).text;
        const value = Number(/^bpfq_bpf_run_seconds (\S+)$/m.exec(text)?.[1] ?? 0);
        return value > 0 ? value : undefined;
      });
      assert.ok(seconds > 0);
      await nothingLeft();
    });

    it('fails a job whose pid does not exist at once, saying so', async () => {
      const created = await submit({
        program: 'tracepoint:syscalls:sys_enter_read { @ = count(); }',
        durationSeconds: 5,
        pid: 2 ** 22 + 7,
      });
      const done = await finished(created.id, 5000);
      assert.equal(done.status, 'failed');
      assert.equal(done.errorDetail?.kind, 'pid');
      assert.match(done.error ?? '', /process 4194311 does not exist/);
    });

    it('keeps what bpftrace prints on stderr as the job’s warnings', async () => {
      // A compiler warning (with its source line and caret) and a cat() of a missing file.
      const program =
        'BEGIN { $a = -1; if ($a < (uint64)1) { printf("x\\n"); } cat("/nonexistent/x"); exit(); }';
      const oracle = spawnSync('bpftrace', ['-e', program], { encoding: 'utf8' });
      const expected = cleanStderr(oracle.stderr);
      assert.match(expected, /WARNING: comparison of integers of different signs/);
      assert.match(expected, /ERROR: failed to open file/);
      const created = await submit({ program, durationSeconds: 5 });
      const done = await finished(created.id);
      h.openapi.check(
        'GET',
        '/v1/jobs/{id}',
        await auth(request(h.app).get(`/v1/jobs/${done.id}`)),
      );
      assert.equal(done.status, 'completed');
      assert.equal(done.warnings.map((w) => `${w}\n`).join(''), expected);
    });

    /** `bin/bpfq worker` as its own process, for the node `node`; resolves once it is ready. */
    async function cliWorker(node: string): Promise<ChildProcess> {
      const child = spawn(`${repoRoot}bin/bpfq`, ['worker'], {
        env: {
          ...process.env,
          REDIS_URL: h.redis.url,
          BPFQ_PREFIX: h.prefix,
          BPFQ_NODE: node,
          BPFQ_STALL_MS: String(STALL_MS),
          BPFQ_HEARTBEAT_MS: '1000',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
          if (stderr.includes('ready')) resolve();
        });
        child.once('exit', () => reject(new Error(`worker exited: ${stderr}`)));
      });
      return child;
    }

    it('runs jobs side by side on one worker, each seeing only its own process', async () => {
      const loads = [startWorkload(30), startWorkload(60), startWorkload(90)];
      const jobs = await Promise.all(
        loads.map((load) =>
          submit({
            program: 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); }',
            durationSeconds: 60,
            pid: load.pid,
          }),
        ),
      );
      await Promise.all(jobs.map((j) => attached(j.id)));
      for (const load of loads) load.go();
      const texts = await Promise.all(
        jobs.map(async (j) => {
          assert.equal((await finished(j.id)).status, 'completed');
          return (await auth(request(h.app).get(`/v1/jobs/${j.id}/result?format=text`))).text;
        }),
      );
      assert.deepEqual(
        texts,
        [30, 60, 90].map((n) => `Attaching 1 probe...\n\n\n@calls: ${n}\n`),
      );
      await nothingLeft();
    });

    it('bpfq worker on SIGTERM detaches, keeps the partial result marked interrupted, and exits 0', async () => {
      const child = await cliWorker('stopping');
      try {
        const created = await submit({
          program: 'interval:ms:100 { @ticks = count(); }',
          durationSeconds: 120,
          node: 'stopping',
        });
        await attached(created.id);
        const held = bpfProgIdsOf(child.pid!);
        assert.ok(held.length >= 1);
        await sleep(350);
        child.kill('SIGTERM');
        const code = await new Promise<number | null>((resolve) =>
          child.once('exit', (c) => resolve(c)),
        );
        assert.equal(code, 0);
        assert.ok(!held.some(programExists), 'programs freed');
        const done = await job(created.id);
        assert.equal(done.status, 'failed');
        assert.equal(done.errorDetail?.kind, 'interrupted');
        const res = await auth(request(h.app).get(`/v1/jobs/${created.id}/result`));
        const result = res.body as { interrupted: boolean; maps: { name: string }[] };
        assert.equal(result.interrupted, true);
        assert.deepEqual(
          result.maps.map((m) => m.name),
          ['@ticks'],
        );
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('leaves nothing attached when the worker is killed with -9, and fails its job "worker lost"', async () => {
      const child = spawn(`${repoRoot}bin/bpfq`, ['worker'], {
        env: {
          ...process.env,
          REDIS_URL: h.redis.url,
          BPFQ_PREFIX: h.prefix,
          BPFQ_NODE: 'doomed',
          BPFQ_STALL_MS: String(STALL_MS),
          BPFQ_HEARTBEAT_MS: '1000',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        let stderr = '';
        await new Promise<void>((resolve, reject) => {
          child.stderr!.setEncoding('utf8').on('data', (d: string) => {
            stderr += d;
            if (stderr.includes('ready')) resolve();
          });
          child.once('exit', () => reject(new Error(`worker exited: ${stderr}`)));
        });
        const created = await submit({
          program:
            'interval:ms:100 { @ticks = count(); } tracepoint:syscalls:sys_enter_getppid { @calls = count(); }',
          durationSeconds: 120,
          node: 'doomed',
        });
        await attached(created.id);
        const held = bpfProgIdsOf(child.pid!);
        assert.ok(held.length >= 2, 'the worker process holds its programs');
        assert.ok(held.every(programExists));
        child.kill('SIGKILL');
        await exited(child);
        // The kernel frees a dead process's BPF objects once its fds are closed.
        await eventually(
          "the kernel to free the killed worker's programs",
          async () => (held.some(programExists) ? undefined : true),
          10_000,
          100,
        );
        const done = await finished(created.id, 30_000);
        assert.equal(done.status, 'failed');
        assert.equal(done.error, 'worker lost');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  },
);
