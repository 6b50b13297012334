// `bpfq submit`: sends a program to the job service, optionally waits for it, prints the
// result and checks assertions on it: the performance check of a CI pipeline (docs/ci.md).
// Exit statuses are in client/exit-codes.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { checkAgainst, compileAssertion, type Assertion } from './assert/assertion.js';
import { resultViewFromRecords } from './assert/result-view.js';
import { AssertionSyntaxError } from './assert/syntax-error.js';
import type { Verdict } from './assert/evaluator.js';
import type { ApiClient } from './client/api-client.js';
import { clientFrom } from './client/connection.js';
import { formatDuration, parseDuration } from './client/duration.js';
import { ApiError, ConnectionError, UsageError } from './client/errors.js';
import { EXIT } from './client/exit-codes.js';
import { followJob } from './client/follow.js';
import { processIo, type CommandIo } from './client/io.js';
import type { Job, SubmitRequest } from './client/job.js';
import { ProgressDisplay } from './client/progress.js';
import { recordsOf } from './client/records.js';
import { renderJUnit, type JUnitCase } from './junit.js';
import { renderDiagnostics, describeApiError } from './client/report.js';

const help = `Usage: bpfq submit [options] (-e 'PROGRAM' | FILE | -)

Submits a trace job to a bpfq server. Without --wait, prints the job id and exits.

Options:
  -e PROGRAM          the program text (instead of FILE; - reads standard input)
  -d, --duration D    how long to trace: 30s, 5m, 1h or seconds (default 10s)
  -p, --pid N         trace only process N
  --node NAME         run on the worker of node NAME
  --param V           a positional parameter ($1, $2, ... in order; repeatable)
  --server URL        the API (default $BPFQ_SERVER, else http://127.0.0.1:8080)
  --token T           bearer token (default $BPFQ_TOKEN)
  -w, --wait          follow the job to its end and print its result
  -f, --format F      result format: text (bpftrace's text, default) or json
  -a, --assert EXPR   check EXPR on the result (repeatable; implies --wait)
  --junit FILE        write a JUnit XML report (implies --wait)
  --timeout D         give up (and cancel the job) after D (default: duration + 10m)
  --idempotency-key K  resubmitting with the same K (per token, 24 h) reattaches to the
                      job the first submission created, e.g. K=$CI_PIPELINE_ID-perf
  -q, --quiet         no progress display

Assertions (docs/ci.md): @errors == 0, @calls["open"] > 10, count(@lat) >= 100,
  p50(@lat) < 500us, p99(@lat) <= 2ms, max/min/avg/sum(@m), && || ! ( ),
  units ns us ms s and K M G (powers of 1024).

Exit status: 0 assertions hold, 1 an assertion failed, 2 the job failed or the program
did not compile, 3 usage, connection or authentication error, 4 timed out.
`;

export const command: Command = {
  help,
  async main(argv) {
    const status = await runSubmit(argv, processIo());
    // A request the server never answered (the reason for a timeout, say) still holds a
    // socket open; give output a moment to drain, then leave regardless. The timer is
    // unref'd, so a process with nothing left pending exits at once without it.
    setTimeout(() => process.exit(status), 1000).unref();
    return status;
  },
};

interface SubmitOptions {
  request: SubmitRequest;
  programName: string;
  wait: boolean;
  format: 'text' | 'json';
  assertions: Assertion[];
  junit: string | undefined;
  timeoutMs: number;
  idempotencyKey: string | undefined;
  quiet: boolean;
  server: string | undefined;
  token: string | undefined;
}

export async function runSubmit(argv: string[], io: CommandIo): Promise<number> {
  let options: SubmitOptions;
  let client: ApiClient;
  try {
    options = await parseSubmitArgs(argv, io);
    client = clientFrom({ server: options.server, token: options.token }, io.env);
  } catch (err) {
    if (err instanceof AssertionSyntaxError) {
      io.stderr.write(err.render());
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`bpfq submit: ${err.message}\nTry 'bpfq submit --help'.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  return new Submission(options, client, io).run();
}

async function parseSubmitArgs(argv: string[], io: CommandIo): Promise<SubmitOptions> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        e: { type: 'string', short: 'e' },
        duration: { type: 'string', short: 'd' },
        pid: { type: 'string', short: 'p' },
        node: { type: 'string' },
        param: { type: 'string', multiple: true },
        server: { type: 'string' },
        token: { type: 'string' },
        wait: { type: 'boolean', short: 'w' },
        format: { type: 'string', short: 'f' },
        assert: { type: 'string', short: 'a', multiple: true },
        junit: { type: 'string' },
        timeout: { type: 'string' },
        'idempotency-key': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const positionals = parsed.positionals;

  // Assertions first: a bad one must stop us before anything else happens.
  const assertions = (v.assert ?? []).map(compileAssertion);

  let program: string;
  let programName: string;
  if (v.e !== undefined) {
    if (positionals.length > 0)
      throw new UsageError(
        `give the program either with -e or as a FILE, not both (got '${positionals[0]}')`,
      );
    program = v.e;
    programName = 'program';
  } else {
    const file = positionals[0];
    if (file === undefined)
      throw new UsageError("no program: use -e 'PROGRAM', a FILE, or - for standard input");
    if (positionals.length > 1)
      throw new UsageError(`unexpected argument '${positionals[1]}' (parameters go in --param)`);
    if (file === '-') {
      program = await io.readStdin();
      programName = 'stdin';
    } else {
      try {
        program = await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(
          `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
      }
      programName = file;
    }
  }

  const durationMs = parseDuration(v.duration ?? '10s');
  if (durationMs === undefined || durationMs < 1000 || durationMs % 1000 !== 0) {
    throw new UsageError(`--duration '${v.duration}' must be whole seconds, e.g. 30s, 5m or 30`);
  }
  const durationSeconds = durationMs / 1000;

  let pid: number | undefined;
  if (v.pid !== undefined) {
    pid = Number(v.pid);
    if (!Number.isInteger(pid) || pid <= 0)
      throw new UsageError(`--pid '${v.pid}' is not a process id`);
  }

  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format '${format}' must be text or json`);

  // The default leaves room for a queue wait and the result upload on a busy server.
  const timeoutMs = v.timeout === undefined ? durationMs + 10 * 60_000 : parseDuration(v.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new UsageError(`--timeout '${v.timeout}' is not a duration (e.g. 10m)`);

  const request: SubmitRequest = { program, durationSeconds, format };
  if (pid !== undefined) request.pid = pid;
  if (v.node !== undefined) request.node = v.node;
  if (v.param !== undefined && v.param.length > 0) request.params = v.param;

  return {
    request,
    programName,
    wait: v.wait === true || assertions.length > 0 || v.junit !== undefined,
    format,
    assertions,
    junit: v.junit,
    timeoutMs,
    idempotencyKey: v['idempotency-key'],
    quiet: v.quiet === true,
    server: v.server,
    token: v.token,
  };
}

/** One run of `bpfq submit`, from POST to exit status. */
class Submission {
  private readonly started = new Date();
  private readonly cases: JUnitCase[] = [];
  private jobId: string | undefined;
  private log = '';

  constructor(
    private readonly options: SubmitOptions,
    private readonly client: ApiClient,
    private readonly io: CommandIo,
  ) {}

  async run(): Promise<number> {
    const status = await this.runInner();
    if (this.options.junit !== undefined) {
      try {
        await writeFile(this.options.junit, this.junit());
      } catch (err) {
        this.io.stderr.write(
          `bpfq submit: cannot write ${this.options.junit}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`,
        );
        return status === EXIT.ok ? EXIT.usage : status;
      }
    }
    return status;
  }

  private async runInner(): Promise<number> {
    let job: Job;
    try {
      job = await this.client.submit(this.options.request, this.options.idempotencyKey);
    } catch (err) {
      return this.failed(err, 'submit');
    }
    this.jobId = job.id;
    if (!this.options.wait) {
      this.io.stdout.write(`${job.id}\n`);
      return EXIT.ok;
    }

    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutSignal()), this.options.timeoutMs);
    const display = this.options.quiet
      ? undefined
      : new ProgressDisplay(
          {
            out: this.io.stderr,
            tty: this.io.stderrIsTty,
            durationSeconds: this.options.request.durationSeconds,
            ...(this.io.columns === undefined ? {} : { columns: this.io.columns }),
          },
          job.id,
        );
    display?.job(job);
    try {
      // Raced against the timeout as well, so even a request the server never answers
      // cannot keep us past --timeout.
      job = await untilAborted(
        timeout.signal,
        followJob(this.client, job.id, {
          signal: timeout.signal,
          onJob: (j) => display?.job(j),
          onOutput: (text) => {
            this.log += text;
            display?.output(text);
          },
          onAttached: (n) =>
            display?.note(`job ${job.id} attached ${n} probe${n === 1 ? '' : 's'}`),
          onLost: (n) => display?.note(`${n} output events lost`),
          onRetry: (reason) =>
            display?.note(`server unavailable (${reason}); retrying for up to a minute`),
          onFallback: (reason) => display?.note(`no live events (${reason}); polling`),
        }),
      );
    } catch (err) {
      display?.close();
      if (err instanceof TimeoutSignal) return this.timedOut(job.id);
      return this.failed(err, 'job');
    } finally {
      clearTimeout(timer);
      display?.close();
    }
    return this.finished(job);
  }

  private async finished(job: Job): Promise<number> {
    const seconds = elapsedSeconds(job);
    // What bpftrace would have printed on stderr, as it prints it (servers before the
    // field send none).
    for (const w of job.warnings ?? []) this.io.stderr.write(`${w.trimEnd()}\n`);
    if (job.status !== 'completed') {
      const why =
        job.error ?? (job.status === 'cancelled' ? 'the job was cancelled' : 'the job failed');
      const diagnostics = job.errorDetail?.diagnostics ?? [];
      if (diagnostics.length > 0) {
        this.io.stderr.write(
          renderDiagnostics(this.options.programName, this.options.request.program, diagnostics),
        );
        if (job.errorDetail?.hint) this.io.stderr.write(`HINT: ${job.errorDetail.hint}\n`);
      } else {
        this.io.stderr.write(`bpfq submit: job ${job.id} ${job.status}: ${why}\n`);
        if (job.errorDetail?.log) this.io.stderr.write(`${job.errorDetail.log.trimEnd()}\n`);
      }
      this.cases.push({
        name: 'job',
        time: seconds,
        error: { message: `${job.status}: ${why}`, details: job.errorDetail?.log ?? why },
      });
      this.skipAssertions(`job ${job.status}`);
      return EXIT.jobFailed;
    }

    let records: unknown[] = [];
    try {
      if (this.options.format === 'text') {
        const text = await resultSoon(() => this.client.resultText(job.id));
        this.io.stdout.write(text);
        this.log = text;
      }
      if (this.options.format === 'json' || this.options.assertions.length > 0) {
        const result = await resultSoon(() => this.client.resultJson(job.id));
        if (this.options.format === 'json')
          this.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        records = recordsOf(result);
      }
    } catch (err) {
      return this.failed(err, 'result');
    }
    this.cases.push({ name: 'job', time: seconds });
    return this.check(records);
  }

  private check(records: unknown[]): number {
    if (this.options.assertions.length === 0) return EXIT.ok;
    const view = resultViewFromRecords(records);
    let failed = 0;
    for (const assertion of this.options.assertions) {
      const verdict = checkAgainst(assertion, view);
      const report = describeVerdict(verdict);
      if (verdict.passed) {
        this.io.stderr.write(`PASS ${assertion.source}\n${report}`);
        this.cases.push({ name: assertion.source, time: 0 });
      } else {
        failed++;
        this.io.stderr.write(`FAIL ${assertion.source}\n${report}`);
        const message =
          verdict.problem ??
          `observed ${verdict.observations.map((o) => `${o.text} = ${o.shown}`).join(', ')}`;
        this.cases.push({ name: assertion.source, time: 0, failure: { message, details: report } });
      }
    }
    const total = this.options.assertions.length;
    this.io.stderr.write(`${total - failed} of ${total} assertions held\n`);
    return failed > 0 ? EXIT.assertionFailed : EXIT.ok;
  }

  private async timedOut(id: string): Promise<number> {
    const after = formatDuration(this.options.timeoutMs);
    let cancelled = 'cancelled it';
    try {
      await withDeadline(this.client.cancel(id), 5000);
    } catch (err) {
      cancelled = `could not cancel it: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.io.stderr.write(
      `bpfq submit: timed out after ${after} waiting for job ${id}; ${cancelled}\n`,
    );
    this.cases.push({
      name: 'job',
      time: this.options.timeoutMs / 1000,
      error: { message: `timed out after ${after}`, details: cancelled },
    });
    this.skipAssertions('timed out');
    return EXIT.timeout;
  }

  private failed(err: unknown, stage: 'submit' | 'job' | 'result'): number {
    if (err instanceof ApiError && err.diagnostics.length > 0) {
      this.io.stderr.write(
        renderDiagnostics(this.options.programName, this.options.request.program, err.diagnostics),
      );
      this.cases.push({
        name: 'job',
        time: 0,
        error: {
          message: 'the program did not compile',
          details: err.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'),
        },
      });
      this.skipAssertions('the program did not compile');
      return EXIT.jobFailed;
    }
    if (err instanceof ApiError || err instanceof ConnectionError) {
      const message = err instanceof ApiError ? describeApiError(err, stage) : err.message;
      this.io.stderr.write(`bpfq submit: ${message}\n`);
      this.cases.push({ name: 'job', time: 0, error: { message, details: message } });
      this.skipAssertions(message);
      return EXIT.usage;
    }
    throw err;
  }

  private skipAssertions(why: string): void {
    for (const a of this.options.assertions) {
      this.cases.push({
        name: a.source,
        time: 0,
        error: { message: `not checked: ${why}`, details: why },
      });
    }
  }

  private junit(): string {
    const properties: Record<string, string> = {
      server: this.client.server,
      durationSeconds: String(this.options.request.durationSeconds),
      program: this.options.programName,
    };
    if (this.jobId !== undefined) properties['job'] = this.jobId;
    if (this.options.request.node !== undefined) properties['node'] = this.options.request.node;
    return renderJUnit({
      name: `bpfq ${this.options.programName}`,
      classname: `bpfq.${this.options.programName.replace(/[^A-Za-z0-9_]+/g, '_')}`,
      hostname: hostname(),
      timestamp: this.started,
      properties,
      cases: this.cases,
      systemOut: this.log,
      systemErr: '',
    });
  }
}

class TimeoutSignal extends Error {
  override name = 'TimeoutSignal';
}

function describeVerdict(v: Verdict): string {
  const lines = v.observations.map(
    (o) => `  ${o.text} = ${o.shown}${o.note ? `  (${o.note})` : ''}`,
  );
  if (v.problem !== undefined) lines.push(`  cannot check: ${v.problem}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function elapsedSeconds(job: Job): number {
  if (!job.startedAt || !job.finishedAt) return 0;
  const ms = Date.parse(job.finishedAt) - Date.parse(job.startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}

/** Settles with P, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(signal: AbortSignal, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Fetches a finished job's result, allowing for a store that lags the status by a moment:
 * the API answers 409 while a job has no result yet.
 */
async function resultSoon<T>(fetchResult: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchResult();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409) || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000}s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
