// `make bench`: every benchmark in one run, printed as tables and written to
// docs/BENCHMARKS.md with the machine and date. Benchmarks measure; tests never time anything.
// BPFQ_BENCH_ONLY=startup,per-event,front-end,api runs a subset.
import { writeFileSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchStartup } from './startup.js';
import { benchPerEvent, type ProgramCost } from './per-event.js';
import { benchFrontEnd } from './front-end.js';
import { benchApi } from './api.js';

const only = new Set(
  (process.env['BPFQ_BENCH_ONLY'] ?? 'startup,per-event,front-end,api').split(','),
);
const sections: string[] = [];

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function section(title: string, body: string, note: string): void {
  const text = `## ${title}\n\n${note}\n\n${body}\n`;
  sections.push(text);
  process.stdout.write(`\n${text}`);
}

function cost(c: ProgramCost | { error: string } | undefined): [string, string, string] {
  if (!c) return ['-', '-', '-'];
  if ('error' in c) return [`error: ${c.error.split('\n')[0]}`, '-', '-'];
  return [c.nsPerEvent.toFixed(1), String(c.insns), c.wallNsPerEvent.toFixed(0)];
}

if (only.has('startup')) {
  const r = benchStartup();
  const rows = [['bpfq', r.bpfq.medianMs.toFixed(0), String(r.bpfq.failures)]];
  if (r.bpftrace)
    rows.push(['bpftrace 0.17', r.bpftrace.medianMs.toFixed(0), String(r.bpftrace.failures)]);
  const ratio = r.bpftrace
    ? ` bpfq/bpftrace = ${(r.bpfq.medianMs / r.bpftrace.medianMs).toFixed(2)} (goal: at most 0.5).`
    : '';
  section(
    'Start-up',
    table(['tool', 'median ms', 'failed runs'], rows),
    `Whole-process wall time of \`-e '${r.program}'\`, median of ${r.bpfq.runsMs.length} runs (bench/startup.ts).${ratio}`,
  );
}

if (only.has('per-event')) {
  const results = await benchPerEvent();
  const rows = results.map((r) => {
    const [qNs, qInsns, qWall] = cost(r.bpfq);
    const [tNs, tInsns, tWall] = cost(r.bpftrace);
    return [r.name, `\`${r.program}\``, qNs, tNs, qInsns, tInsns, qWall, tWall];
  });
  section(
    'Cost per event in the kernel',
    table(
      [
        'case',
        'program',
        'bpfq ns/event',
        'bpftrace ns/event',
        'bpfq insns',
        'bpftrace insns',
        'bpfq added wall ns/event',
        'bpftrace added wall ns/event',
      ],
      rows,
    ),
    `run_time_ns / run_cnt with kernel.bpf_stats_enabled=1 over ${results[0]?.events ?? '?'} events of the same workload (bench/per-event.ts). Goal: bpfq no higher than bpftrace. Instructions are the kernel's translated count. run_time_ns times the program alone; the added wall time is what the traced workload pays per event with the probe attached, over an untraced run (the probe mechanism included: a uprobe's trap dominates there). bpfq attaches uprobes and USDT by uprobe_multi link where the kernel has them, bpftrace 0.17 through the uprobe PMU; the kernel accounts the link's program runs higher (60 to 70 ns here, for the same instructions), while the traced process pays about the same: the trap, about 5 µs here, dominates.`,
  );
}

if (only.has('front-end')) {
  const r = benchFrontEnd();
  section(
    'Compiler front end',
    table(
      ['lines', 'iterations', 'mean ms/check', 'median ms'],
      [[String(r.lines), String(r.iterations), r.msPerCheck.toFixed(2), r.medianMs.toFixed(2)]],
    ),
    'check() of a generated 300-line program after warm-up, fake host (bench/front-end.ts). Goal: under 20 ms.',
  );
}

if (only.has('api')) {
  const r = await benchApi();
  section(
    'Job service',
    table(
      ['measure', 'value'],
      [
        ['POST /v1/jobs to probes attached, p50', `${r.submitToAttachedMs.p50.toFixed(0)} ms`],
        ['POST /v1/jobs to probes attached, p99', `${r.submitToAttachedMs.p99.toFixed(0)} ms`],
        ['GET /v1/jobs/{id} throughput', `${r.getJob.requestsPerSecond.toFixed(0)} req/s`],
        [
          'GET /v1/jobs/{id} latency p50 / p99',
          `${r.getJob.latencyP50Ms} / ${r.getJob.latencyP99Ms} ms`,
        ],
        ['GET non-2xx responses', String(r.getJob.non2xx)],
      ],
    ),
    `Real embedded Redis, API and kernel worker on loopback (bench/api.ts; ${r.submitToAttachedMs.samples} jobs; autocannon). Goals: p50 under 150 ms, over 2,000 req/s.`,
  );
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const doc = [
  '# Benchmarks',
  '',
  `Written by \`make bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}: bpfq ${pkg.version}, kernel ${release()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  'Numbers are from one run on a shared machine; compare within a table, not across runs.',
  '',
  ...sections,
].join('\n');
if (only.size === 4)
  writeFileSync(fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url)), doc);
process.exit(0);
