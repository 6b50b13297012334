// A small stand-in for bpfq's API on loopback, for the client's behaviour tests only (exit
// statuses, output, fallbacks). It speaks the routes and shapes of openapi.yaml; the real
// service is exercised by test/api/submit-*.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJobPlan {
  /** Statuses the job goes through after submission, one per `stepMs`. */
  statuses: ('queued' | 'running' | 'completed' | 'failed' | 'cancelled')[];
  /** printf texts streamed while running. */
  printf?: string[];
  error?: string;
  errorDetail?: unknown;
  /** bpftrace JSON records of the result. */
  records?: unknown[];
  text?: string;
}

export interface FakeApiOptions {
  token: string;
  plan: FakeJobPlan;
  /** Answer POST /v1/jobs with this problem instead (status, body). */
  rejectWith?: { status: number; body: unknown };
  /** Serve /events as SSE (default true); false answers 501. */
  sse?: boolean;
  stepMs?: number;
  /** Never answer GET /v1/jobs/job-1 (a wedged server). */
  hangJob?: boolean;
  /** GET /v1/jobs/job-1 already shows the plan's last status while the stream replays. */
  jobAhead?: boolean;
  /** Answer this many GET /v1/jobs/job-1 with 503 first (a restarting server). */
  unavailable?: number;
}

export interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  idempotencyKey: string | undefined;
  body: unknown;
}

export class FakeApi {
  readonly requests: Recorded[] = [];
  private server: Server;
  private step = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private cancelled = false;

  private constructor(private readonly options: FakeApiOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: FakeApiOptions): Promise<FakeApi> {
    const api = new FakeApi(options);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private status(): FakeJobPlan['statuses'][number] {
    if (this.cancelled) return 'cancelled';
    const s = this.options.plan.statuses;
    return s[Math.min(this.step, s.length - 1)] ?? 'queued';
  }

  private job(): Record<string, unknown> {
    const status = this.status();
    const done = status === 'completed' || status === 'failed' || status === 'cancelled';
    return {
      id: 'job-1',
      status,
      program: 'x',
      durationSeconds: 1,
      pid: null,
      node: 'n1',
      format: 'json',
      params: [],
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: status === 'queued' ? null : '2026-01-01T00:00:01.000Z',
      finishedAt: done ? '2026-01-01T00:00:02.500Z' : null,
      error: status === 'failed' ? (this.options.plan.error ?? 'failed') : null,
      errorDetail: status === 'failed' ? (this.options.plan.errorDetail ?? null) : null,
      hasResult: status === 'completed',
    };
  }

  private advance(): void {
    if (this.step < this.options.plan.statuses.length - 1) this.step++;
    for (const l of this.listeners) l();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      auth: req.headers.authorization,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      body: raw === '' ? undefined : JSON.parse(raw),
    });
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      return problem(res, 401, {
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'bad token',
      });
    }
    const path = url.pathname;
    if (req.method === 'POST' && path === '/v1/jobs') {
      if (this.options.rejectWith)
        return problem(res, this.options.rejectWith.status, this.options.rejectWith.body);
      this.timer ??= setInterval(() => this.advance(), this.options.stepMs ?? 30);
      return json(res, 202, this.job());
    }
    if (req.method === 'GET' && path === '/v1/jobs')
      return json(res, 200, { items: [this.job()], nextCursor: null });
    if (path === '/v1/jobs/job-1' && req.method === 'GET') {
      if (this.options.hangJob) return;
      if ((this.options.unavailable ?? 0) > 0) {
        this.options.unavailable = (this.options.unavailable ?? 0) - 1;
        return problem(res, 503, {
          title: 'Service Unavailable',
          status: 503,
          detail: 'redis down',
        });
      }
      if (this.options.jobAhead) {
        const saved = this.step;
        this.step = this.options.plan.statuses.length - 1;
        const ahead = this.job();
        this.step = saved;
        return json(res, 200, ahead);
      }
      return json(res, 200, this.job());
    }
    if (path === '/v1/jobs/job-1' && req.method === 'DELETE') {
      this.cancelled = true;
      return json(res, 202, this.job());
    }
    if (path === '/v1/jobs/job-1/result') {
      if (this.status() !== 'completed')
        return problem(res, 409, { title: 'no result yet', status: 409 });
      if (url.searchParams.get('format') === 'text') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(this.options.plan.text ?? '');
      }
      return json(res, 200, {
        jobId: 'job-1',
        status: 'completed',
        records: this.options.plan.records ?? [],
        maps: [],
        printf: [],
      });
    }
    if (path === '/v1/jobs/job-1/events') return this.events(res);
    return problem(res, 404, { title: 'Not Found', status: 404 });
  }

  private events(res: ServerResponse): void {
    if (this.options.sse === false)
      return problem(res, 501, { title: 'no events here', status: 501 });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let sent: string | undefined;
    let printed = false;
    const push = (): void => {
      const status = this.status();
      if (status !== sent) {
        sent = status;
        res.write(
          `event: status\ndata: ${JSON.stringify({ status, at: new Date().toISOString() })}\n\n`,
        );
      }
      if (status === 'running' && !printed) {
        printed = true;
        for (const text of this.options.plan.printf ?? [])
          res.write(`event: printf\ndata: ${JSON.stringify({ text })}\n\n`);
      }
      if (status === 'completed' || status === 'failed' || status === 'cancelled') {
        res.write(
          `event: result\ndata: ${JSON.stringify({ status, truncated: false, interrupted: false })}\n\n`,
        );
        this.listeners.delete(push);
        res.end();
      }
    };
    res.write(': hello\n\n');
    this.listeners.add(push);
    res.on('close', () => this.listeners.delete(push));
    push();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify(body));
}

/** A CommandIo capturing output, for running the commands in-process. */
export function captureIo(env: Record<string, string | undefined>, tty = false) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env,
      stderrIsTty: tty,
      columns: 100,
      readStdin: async () => 'BEGIN { exit(); }',
    },
  };
}
