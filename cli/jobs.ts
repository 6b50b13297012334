// `bpfq jobs list|get|result|cancel|watch`: the rest of the API client, for people and
// scripts. Exit statuses follow `bpfq submit`'s (client/exit-codes.ts).
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import type { ApiClient } from './client/api-client.js';
import { clientFrom } from './client/connection.js';
import { ApiError, ConnectionError, UsageError } from './client/errors.js';
import { EXIT } from './client/exit-codes.js';
import { followJob } from './client/follow.js';
import { processIo, type CommandIo } from './client/io.js';
import type { Job, JobStatus } from './client/job.js';
import { ProgressDisplay } from './client/progress.js';
import { describeApiError } from './client/report.js';

const help = `Usage: bpfq jobs SUBCOMMAND [options]

  list [--status S] [--json]        your jobs, newest first
  get ID [--json]                   one job
  result ID [-f text|json|ndjson]   what the job printed (default text, as bpftrace)
  cancel ID                         cancel a job (a running trace keeps its partial result)
  watch ID                          follow a job's status and output until it ends

Options for all:
  --server URL   the API (default $BPFQ_SERVER, else http://127.0.0.1:8080)
  --token T      bearer token (default $BPFQ_TOKEN)

Exit status: 0 success (watch: the job completed), 2 the watched job failed or was
cancelled, 3 usage, connection or authentication error.
`;

export const command: Command = {
  help,
  main: (argv) => runJobs(argv, processIo()),
};

const statuses: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export async function runJobs(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        status: { type: 'string' },
        json: { type: 'boolean' },
        format: { type: 'string', short: 'f' },
      },
    });
    const client = clientFrom(values, io.env);
    const id = (): string => {
      const first = positionals[0];
      if (first === undefined) throw new UsageError(`jobs ${sub} needs a job ID`);
      return first;
    };
    switch (sub) {
      case 'list': {
        const status = values.status;
        if (status !== undefined && !statuses.includes(status as JobStatus)) {
          throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
        }
        const jobs = await client.jobs(status as JobStatus | undefined);
        io.stdout.write(values.json ? `${JSON.stringify(jobs, null, 2)}\n` : table(jobs));
        return EXIT.ok;
      }
      case 'get': {
        const job = await client.job(id());
        io.stdout.write(values.json ? `${JSON.stringify(job, null, 2)}\n` : describe(job));
        return EXIT.ok;
      }
      case 'result': {
        const format = values.format ?? 'text';
        if (format === 'text') io.stdout.write(await client.resultText(id()));
        else if (format === 'json')
          io.stdout.write(`${JSON.stringify(await client.resultJson(id()), null, 2)}\n`);
        else if (format === 'ndjson') io.stdout.write(await ndjson(client, id()));
        else throw new UsageError('-f must be text, json or ndjson');
        return EXIT.ok;
      }
      case 'cancel': {
        const job = await client.cancel(id());
        io.stdout.write(`${id()} ${job?.status ?? 'cancel requested'}\n`);
        return EXIT.ok;
      }
      case 'watch':
        return await watch(client, id(), io);
      default:
        throw new UsageError(sub === undefined ? 'no subcommand' : `unknown subcommand '${sub}'`);
    }
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr.write(`bpfq jobs: ${err.message}\nTry 'bpfq jobs --help'.\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiError) {
      io.stderr.write(`bpfq jobs: ${describeApiError(err, 'request')}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConnectionError) {
      io.stderr.write(`bpfq jobs: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

async function watch(client: ApiClient, id: string, io: CommandIo): Promise<number> {
  const first = await client.job(id);
  const display = new ProgressDisplay(
    {
      out: io.stderr,
      tty: io.stderrIsTty,
      durationSeconds: first.durationSeconds ?? 0,
      ...(io.columns === undefined ? {} : { columns: io.columns }),
    },
    id,
  );
  display.job(first);
  let job: Job;
  try {
    job = await followJob(client, id, {
      signal: new AbortController().signal,
      onJob: (j) => display.job(j),
      onOutput: (text) => display.output(text),
      onAttached: (n) => display.note(`job ${id} attached ${n} probe${n === 1 ? '' : 's'}`),
      onLost: (n) => display.note(`${n} output events lost`),
    });
  } finally {
    display.close();
  }
  io.stdout.write(describe(job));
  return job.status === 'completed' ? EXIT.ok : EXIT.jobFailed;
}

async function ndjson(client: ApiClient, id: string): Promise<string> {
  const res = await client.request(
    'GET',
    `/v1/jobs/${encodeURIComponent(id)}/result?format=ndjson`,
    undefined,
    'application/x-ndjson',
  );
  return res.text();
}

function describe(job: Job): string {
  const lines = [
    `id:        ${job.id}`,
    `status:    ${job.status}`,
    `node:      ${job.node ?? '-'}`,
    `duration:  ${job.durationSeconds ?? '-'}s`,
    `pid:       ${job.pid ?? '-'}`,
    `created:   ${job.createdAt ?? '-'}`,
    `started:   ${job.startedAt ?? '-'}`,
    `finished:  ${job.finishedAt ?? '-'}`,
  ];
  if (job.error) lines.push(`error:     ${job.error}`);
  for (const d of job.errorDetail?.diagnostics ?? [])
    lines.push(`  ${d.line}:${d.column}: ${d.message}`);
  return `${lines.join('\n')}\n`;
}

function table(jobs: readonly Job[]): string {
  const rows = [['ID', 'STATUS', 'NODE', 'DURATION', 'CREATED']];
  for (const j of jobs) {
    rows.push([j.id, j.status, j.node ?? '-', `${j.durationSeconds ?? '-'}s`, j.createdAt ?? '-']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
      .join('\n') + '\n'
  );
}
