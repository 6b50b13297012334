// `bpfq [run]`: bpftrace 0.17's command line. Compile with the real host, load and run through
// the runtime, and print what bpftrace prints. Start-up time is a headline figure, so nothing
// heavy is imported before it is needed: argument parsing is all this module loads eagerly.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Command } from './command.js';
import { parseRunArgs, RUN_HELP, UsageError, type RunArgs } from './run-args.js';
import type { SpawnedChild } from '../worker/runtime/child.js';
import { BufferedWriter } from './buffered-writer.js';

/** Exit statuses as bpftrace 0.17 uses them. */
const EXIT_OK = 0;
const EXIT_ERROR = 1;
/** A probe failed to attach or load: bpftrace returns -1 from main. */
const EXIT_ATTACH = 255;
/** The status a shell shows for a process killed by SIGPIPE (128 + 13). */
const EXIT_SIGPIPE = 141;

function stderr(text: string): void {
  writeSync(2, text);
}

function readProgram(args: RunArgs): { name: string; text: string } {
  if (args.program !== undefined) return { name: 'stdin', text: args.program };
  const file = args.file!;
  if (file === '-') return { name: 'stdin', text: readFileSync(0, 'utf8') };
  return { name: file, text: readFileSync(file, 'utf8') };
}

async function list(args: RunArgs): Promise<number> {
  const [{ listProbes, ListError }, { nodeHost }] = await Promise.all([
    import('./list.js'),
    import('../host/node-host.js'),
  ]);
  try {
    const options =
      args.pid !== undefined ? { verbose: args.verbose, pid: args.pid } : { verbose: args.verbose };
    writeSync(
      1,
      listProbes(args.program, { ...options, warn: (l) => stderr(`${l}\n`) }, nodeHost()),
    );
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ListError) {
      stderr(e.message);
      return EXIT_ERROR;
    }
    throw e;
  }
}

async function run(args: RunArgs): Promise<number> {
  // 0.17 opens -o's file before anything else (it exists even when the program is rejected).
  let fileFd: number | undefined;
  if (args.outputFile !== undefined) {
    try {
      fileFd = openSync(args.outputFile, 'w');
    } catch (e) {
      const { errnoMessage } = await import('../worker/libbpf/errors.js');
      const errno = -((e as NodeJS.ErrnoException).errno ?? -2);
      stderr(`ERROR: Failed to open output file: "${args.outputFile}": ${errnoMessage(errno)}\n`);
      return EXIT_ERROR;
    }
  }
  try {
    return await runWithOutput(args, fileFd);
  } finally {
    if (fileFd !== undefined) closeSync(fileFd);
  }
}

async function runWithOutput(args: RunArgs, fileFd: number | undefined): Promise<number> {
  let source: { name: string; text: string };
  try {
    source = readProgram(args);
  } catch (e) {
    const { errnoMessage } = await import('../worker/libbpf/errors.js');
    const errno = -((e as NodeJS.ErrnoException).errno ?? -2);
    stderr(`ERROR: failed to open file '${args.file ?? ''}': ${errnoMessage(errno)}\n`);
    return EXIT_ATTACH;
  }

  // 0.17 checks the -p process first, with this (empty-prefixed) message.
  if (args.pid !== undefined && !existsSync(`/proc/${args.pid}`)) {
    stderr('ERROR: : No such process\n');
    return EXIT_ERROR;
  }

  const [{ compileProgram }, { spawnStoppedChild, ChildError }] = await Promise.all([
    import('./run-compile.js'),
    import('../worker/runtime/child.js'),
  ]);

  // -c: the child exists (stopped) before compiling, so `cpid` is its pid. -d never runs it.
  let child: SpawnedChild | undefined;
  if (args.command !== undefined && args.debug === 0) {
    try {
      child = await spawnStoppedChild(args.command);
    } catch (e) {
      if (e instanceof ChildError) {
        stderr(`ERROR: ${e.message}\n`);
        return EXIT_ATTACH;
      }
      throw e;
    }
  }

  const killChild = (): void => {
    if (child) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };

  try {
    return await compileAndRun(source, args, child, compileProgram, fileFd);
  } finally {
    // Whatever happened, a child we started does not outlive the run (SIGKILL is a no-op on a
    // child that already exited and was reaped by the session).
    if (child && child.status() === undefined) killChild();
  }
}

async function compileAndRun(
  source: { name: string; text: string },
  args: RunArgs,
  child: SpawnedChild | undefined,
  compileProgram: typeof import('./run-compile.js').compileProgram,
  fileFd: number | undefined,
): Promise<number> {
  const killChild = (): void => child?.terminate();
  const compiled = await compileProgram(source, args, child?.pid);
  if (compiled.diagnosticsText !== '' && !(args.noWarnings && compiled.artifact !== undefined)) {
    stderr(compiled.diagnosticsText);
  }
  if (compiled.artifact === undefined) {
    killChild();
    return EXIT_ERROR;
  }
  if (args.debug > 0) {
    writeSync(1, compiled.dump());
    return EXIT_OK;
  }

  const artifact = compiled.artifact;
  const [runtime, output] = await Promise.all([
    import('../worker/runtime/index.js'),
    import('../worker/output/index.js'),
  ]);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  let onUsr1: (() => void) | undefined;
  let brokenPipe = false;
  let writeError: NodeJS.ErrnoException | undefined;
  // Records go to `-o FILE` or stdout; the exit "\n\n" always goes to stdout, as 0.17's.
  const onWriteError = (e: NodeJS.ErrnoException): void => {
    // EPIPE: the reader went away (`bpfq ... | head`). bpftrace dies of SIGPIPE there; Node
    // ignores SIGPIPE, so stop writing and end the session: it still tears down.
    if (e.code === 'EPIPE') brokenPipe = true;
    else writeError ??= e;
    abort.abort();
  };
  const stdoutWriter = new BufferedWriter(1, onWriteError);
  const sink = fileFd !== undefined ? new BufferedWriter(fileFd, onWriteError) : stdoutWriter;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const catBytesMax = runtime.catBytesMaxFromEnv(process.env);
  try {
    await runtime.runSession(artifact, {
      ...(args.pid !== undefined ? { pid: args.pid } : {}),
      ...(child ? { child } : {}),
      signal: abort.signal,
      quiet: args.quiet,
      verbose: args.verbose,
      unsafe: args.unsafe,
      keepRecords: false,
      ...(catBytesMax !== undefined ? { catBytesMax } : {}),
      onLog: (line) => stderr(`${line}\n`),
      // SIGUSR1 prints the maps while running, as bpftrace 0.17 does.
      onFlush: () => {
        sink.flush();
        stdoutWriter.flush();
      },
      onStarted: (control) => {
        onUsr1 = () => control.printMaps();
        process.on('SIGUSR1', onUsr1);
      },
      onOutput: (record) => {
        if (brokenPipe) return;
        const text = output.renderRecord(args.format, record);
        if (record.type === 'end') stdoutWriter.write(text);
        else sink.write(text);
      },
    });
    sink.flush();
    stdoutWriter.flush();
    if (writeError) {
      stderr(`ERROR: writing the output: ${writeError.message}\n`);
      return EXIT_ERROR;
    }
    return brokenPipe ? EXIT_SIGPIPE : EXIT_OK;
  } catch (e) {
    killChild();
    if (e instanceof runtime.AttachError) {
      stderr(`ERROR: Error attaching probe: '${e.probe}'\n`);
      if (args.verbose || e.cause instanceof runtime.NotSupportedError)
        stderr(`ERROR: ${e.reason}\n`);
      return EXIT_ATTACH;
    }
    if (e instanceof runtime.VerifierError) {
      stderr(`ERROR: Error loading program: ${e.program}\n${e.message}\n`);
      if (args.verbose) stderr(`${e.log}\n`);
      return EXIT_ATTACH;
    }
    if (e instanceof runtime.NotSupportedError || e instanceof runtime.BpfError) {
      stderr(`ERROR: ${e.message}\n`);
      return EXIT_ATTACH;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (onUsr1) process.off('SIGUSR1', onUsr1);
    sink.flush();
    stdoutWriter.flush();
  }
}

export const command: Command = {
  help: RUN_HELP,
  async main(argv: string[]): Promise<number> {
    let args: RunArgs;
    try {
      args = parseRunArgs(argv);
    } catch (e) {
      if (e instanceof UsageError) {
        if (e.message === 'No program specified')
          stderr(`ERROR: USAGE: filename or -e 'program' required.\n`);
        else if (e.showUsage) stderr(`bpfq: ${e.message}\n${RUN_HELP}`);
        else stderr(`ERROR: ${e.message}\n`);
        return EXIT_ERROR;
      }
      throw e;
    }
    if (args.help) {
      writeSync(1, RUN_HELP);
      return EXIT_OK;
    }
    if (args.info) {
      const { infoText } = await import('./info.js');
      writeSync(1, await infoText());
      return EXIT_OK;
    }
    if (args.list) return list(args);
    return run(args);
  },
};
