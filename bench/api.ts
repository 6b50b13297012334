// The job service under load, on loopback: (1) latency from POST /v1/jobs to "every probe
// attached" (the job's `attached` event), p50/p99 over N sequential jobs, which covers
// queueing, the worker's claim, compile, load and attach; (2) GET /v1/jobs/{id} throughput
// with autocannon, authenticated with the admin token, on the last (cancelled) job. Everything
// is real: an embedded redis-server, the API server logging each request as `bpfq api` does,
// a worker with the kernel runner (root and BPF needed).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { apiLogger } from '../api/logger.js';
import { startApiServer } from '../api/server.js';
import { startEmbeddedRedis } from '../service/embedded-redis.js';
import { waitEvents } from '../service/job-events.js';
import { keys as makeKeys } from '../service/keys.js';
import { kernelRunner } from '../worker/service/kernel-runner.js';
import { startWorker } from '../worker/service/worker.js';

/** The part of autocannon's API used here (it ships no TypeScript types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
/** Runs the autocannon command line (JSON output) in a child process. */
function runAutocannon(args: string[]): Promise<AutocannonResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`autocannon exited with ${code}`));
      else resolve(JSON.parse(out) as AutocannonResult);
    });
  });
}

export interface ApiBenchOptions {
  /** Jobs for the submit-to-attached latency. Default 20. */
  jobs?: number;
  /** Seconds of GET /v1/jobs/{id} load. Default 5. */
  getSeconds?: number;
  /** Concurrent connections for the GET load. Default 10. */
  connections?: number;
  /** The traced program. Default a one-tracepoint count. */
  program?: string;
}

export interface Distribution {
  p50: number;
  p99: number;
  min: number;
  max: number;
  samples: number;
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    samples: sorted.length,
  };
}

export interface ApiBenchResult {
  submitToAttachedMs: Distribution;
  /** DELETE of a running job to its `cancelled` status (detached, partial result stored). */
  cancelToCancelledMs: Distribution;
  getJob: { requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number; non2xx: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchApi(options: ApiBenchOptions = {}): Promise<ApiBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-bench-api-'));
  const redis = await startEmbeddedRedis({ dataDir: dir, appendfsync: 'everysec' });
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const admin = randomBytes(16).toString('hex');
  // The API logs as `bpfq api` does (info, one line per request, asynchronous), into a file
  // here rather than the terminal, so the GET numbers include request logging.
  const apiLog = join(dir, 'api.log');
  const server = await startApiServer({
    redisUrl: redis.url,
    prefix,
    port: 0,
    host: '127.0.0.1',
    adminToken: admin,
    logger: apiLogger({ destination: apiLog }),
  });
  const worker = await startWorker({
    redisUrl: redis.url,
    prefix,
    node: 'bench',
    runner: kernelRunner(),
    logger: pino({ level: 'silent' }),
  });
  const blocking = new Redis(redis.url);
  const keys = makeKeys(prefix);
  const headers = { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' };
  try {
    await worker.ready();
    const program =
      options.program ?? 'tracepoint:syscalls:sys_enter_getppid { @calls = count(); }';
    const samples: number[] = [];
    const cancelSamples: number[] = [];
    let lastId = '';
    for (let i = 0; i < (options.jobs ?? 20); i++) {
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ program, durationSeconds: 60 }),
      });
      if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      let after = '0';
      let attachedAt: number | undefined;
      while (attachedAt === undefined) {
        const events = await waitEvents(blocking, keys, id, after, 30_000);
        if (events.length === 0) throw new Error(`job ${id} did not attach within 30 s`);
        for (const e of events) {
          after = e.id;
          if (e.event === 'attached') attachedAt = performance.now();
          if (
            e.event === 'status' &&
            ['failed', 'cancelled', 'completed'].includes((e.data as { status: string }).status)
          ) {
            throw new Error(`job ${id} ended before attaching: ${JSON.stringify(e.data)}`);
          }
        }
      }
      samples.push(attachedAt - started);
      const cancelAsked = performance.now();
      await fetch(`${server.url}/v1/jobs/${id}`, { method: 'DELETE', headers });
      for (let done = false; !done;) {
        const events = await waitEvents(blocking, keys, id, after, 30_000);
        if (events.length === 0) throw new Error(`job ${id} was not cancelled within 30 s`);
        for (const e of events) {
          after = e.id;
          if (e.event === 'status' && (e.data as { status: string }).status === 'cancelled')
            done = true;
        }
      }
      cancelSamples.push(performance.now() - cancelAsked);
      lastId = id;
    }

    // autocannon runs in its own process: in this one it would share the event loop with the
    // API it measures and halve the number.
    const load = await runAutocannon([
      '-j',
      '-c',
      String(options.connections ?? 10),
      '-d',
      String(options.getSeconds ?? 5),
      '-H',
      `Authorization=Bearer ${admin}`,
      `${server.url}/v1/jobs/${lastId}`,
    ]);
    // Every answered GET was logged (the number above is not one of a quieter API).
    await new Promise<void>((resolve) => server.api.ctx.logger.flush(() => resolve()));
    const logged = readFileSync(apiLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"method":"GET"') && l.includes(`/v1/jobs/${lastId}"`)).length;
    if (logged < load.requests.total) {
      throw new Error(`${load.requests.total} GETs answered but only ${logged} logged`);
    }
    return {
      submitToAttachedMs: distribution(samples),
      cancelToCancelledMs: distribution(cancelSamples),
      getJob: {
        requestsPerSecond: load.requests.average,
        latencyP50Ms: load.latency.p50,
        latencyP99Ms: load.latency.p99,
        non2xx: load.non2xx,
      },
    };
  } finally {
    blocking.disconnect();
    await worker.close();
    await server.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/bench/api.js` runs it alone and prints the result.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchApi(), null, 2));
}
