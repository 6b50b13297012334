// bpfq's command line: bpftrace's options for running a program locally, plus the service
// roles and the API client as subcommands. Each subcommand lives in its own module and is
// imported only when used, so `bpfq -e ...` loads nothing of the service.
import { readFileSync } from 'node:fs';

import type { Command } from './command.js';

/**
 * The local run path is also built as one bundled file (see `npm run build`): start-up time
 * is a headline figure and most of it was module loading. Fall back to the plain module tree
 * when the bundle is absent (a tsc-only build).
 */
async function loadRun(): Promise<Command> {
  const bundle = './run.bundle.js';
  try {
    return ((await import(bundle)) as { command: Command }).command;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return (await import('./run.js')).command;
  }
}

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: 'run a bpftrace program locally (the default command)',
    load: loadRun,
  },
  serve: {
    summary: 'run the whole service: embedded Redis, API and one worker (make up)',
    load: async () => (await import('./serve.js')).command,
  },
  api: {
    summary: 'run the HTTP API only (against REDIS_URL)',
    load: async () => (await import('./api.js')).command,
  },
  worker: {
    summary: 'run a privileged tracing worker for this node (against REDIS_URL)',
    load: async () => (await import('./worker.js')).command,
  },
  submit: {
    summary: 'submit a trace job, wait, and check assertions (for CI)',
    load: async () => (await import('./submit.js')).command,
  },
  jobs: {
    summary: 'list, get, fetch results of, cancel or watch jobs',
    load: async () => (await import('./jobs.js')).command,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function usage(): string {
  const lines = [
    'bpfq: bpftrace programs, compiled without LLVM, run locally or as a service',
    '',
    'USAGE:',
    "    bpfq [run] [options] (-e 'PROGRAM' | FILE | -) [ARGS...]",
    '    bpfq COMMAND [options]',
    '',
    'COMMANDS:',
  ];
  for (const [name, { summary }] of Object.entries(commands)) {
    lines.push(`    ${name.padEnd(8)} ${summary}`);
  }
  lines.push('', "Run 'bpfq COMMAND --help' for a command's options.", '');
  lines.push('    -h, --help     show this help', '    -V, --version  show the version');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === '--version' || first === '-V') {
    process.stdout.write(`bpfq v${version()}\n`);
    return 0;
  }
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(usage());
    return first === undefined ? 1 : 0;
  }
  const named = commands[first];
  const command = await (named ?? commands['run']!).load();
  const rest = named ? argv.slice(1) : argv;
  if (rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(command.help);
    return 0;
  }
  return command.main(rest);
}

process.exitCode = await main(process.argv.slice(2));
