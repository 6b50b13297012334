// bpftrace 0.17's command line, parsed the way its getopt_long does: short options cluster
// (`-lv`, `-dd`), an option's argument may be attached (`-p123`) or follow, options may
// come after positional arguments, and `--` ends option parsing.

export type OutputFormatName = 'text' | 'json';

export interface RunArgs {
  /** `-e PROGRAM` */
  program?: string;
  /** FILE, or `-` for stdin, when there is no -e. */
  file?: string;
  /** `$1 $2 ...` */
  params: string[];
  format: OutputFormatName;
  /** `-o FILE` */
  outputFile?: string;
  /** `-p PID` */
  pid?: number;
  /** `-c CMD` */
  command?: string;
  /** `-l`: list probes, optionally matching a pattern (the positional argument). */
  list: boolean;
  unsafe: boolean;
  quiet: boolean;
  /** `-v` */
  verbose: boolean;
  info: boolean;
  /** `-d` count: compile and dump only. */
  debug: number;
  /** `-k` count: helper error reporting level (accepted; 0.17's runtime warnings). */
  helperChecks: number;
  /** `-B MODE`: line, full or none. */
  buffering?: 'line' | 'full' | 'none';
  /** `-I DIR` */
  includeDirs: string[];
  /** `--include FILE` */
  includes: string[];
  noWarnings: boolean;
  help: boolean;
  version: boolean;
}

/**
 * A command line bpftrace rejects. getopt's own complaints (`invalid option`) come with the
 * usage text; bad option values are a one-line `ERROR:`.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

const WITH_ARG = new Set(['e', 'f', 'o', 'p', 'c', 'B', 'I']);
const FLAGS = new Set(['l', 'v', 'q', 'd', 'k', 'h', 'V']);

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = {
    params: [],
    format: 'text',
    list: false,
    unsafe: false,
    quiet: false,
    verbose: false,
    info: false,
    debug: 0,
    helperChecks: 0,
    includeDirs: [],
    includes: [],
    noWarnings: false,
    help: false,
    version: false,
  };
  const positional: string[] = [];

  const takeValue = (opt: string, value: string): void => {
    switch (opt) {
      case 'e':
        args.program = value;
        return;
      case 'f':
        if (value !== 'text' && value !== 'json')
          throw new UsageError(`Invalid output format "${value}"\nValid formats: 'text', 'json'`);
        args.format = value;
        return;
      case 'o':
        args.outputFile = value;
        return;
      case 'p': {
        if (!/^\d+$/.test(value))
          throw new UsageError(`pid '${value}' is not a valid decimal number`);
        args.pid = Number(value);
        return;
      }
      case 'c':
        args.command = value;
        return;
      case 'B':
        if (value !== 'line' && value !== 'full' && value !== 'none') {
          throw new UsageError("USAGE: -B must be either 'line', 'full', or 'none'.");
        }
        args.buffering = value;
        return;
      case 'I':
        args.includeDirs.push(value);
        return;
    }
  };

  const flag = (opt: string): void => {
    switch (opt) {
      case 'l':
        args.list = true;
        return;
      case 'v':
        args.verbose = true;
        return;
      case 'q':
        args.quiet = true;
        return;
      case 'd':
        args.debug++;
        return;
      case 'k':
        args.helperChecks++;
        return;
      case 'h':
        args.help = true;
        return;
      case 'V':
        args.version = true;
        return;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const value = (): string => {
        if (inline !== undefined) return inline;
        const next = argv[++i];
        if (next === undefined)
          throw new UsageError(`option '--${name}' requires an argument`, true);
        return next;
      };
      switch (name) {
        case 'unsafe':
          args.unsafe = true;
          break;
        case 'info':
          args.info = true;
          break;
        case 'help':
          args.help = true;
          break;
        case 'version':
          args.version = true;
          break;
        case 'no-warnings':
          args.noWarnings = true;
          break;
        case 'include':
          args.includes.push(value());
          break;
        case 'format':
          takeValue('f', value());
          break;
        case 'output':
          takeValue('o', value());
          break;
        default:
          throw new UsageError(`unrecognized option '--${name}'`, true);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const opt = a[j]!;
        if (WITH_ARG.has(opt)) {
          const rest = a.slice(j + 1);
          if (rest !== '') takeValue(opt, rest);
          else {
            const next = argv[++i];
            if (next === undefined)
              throw new UsageError(`option requires an argument -- '${opt}'`, true);
            takeValue(opt, next);
          }
          break;
        }
        if (!FLAGS.has(opt)) throw new UsageError(`invalid option -- '${opt}'`, true);
        flag(opt);
      }
      continue;
    }
    positional.push(a);
  }

  if (args.list) {
    // `-l PATTERN`: the pattern is the positional argument (or -e's text, as 0.17 allows).
    const pattern = positional.shift() ?? args.program;
    if (pattern !== undefined) args.program = pattern;
    args.params = positional;
    return args;
  }
  // 0.17 treats an empty -e like a missing one.
  if (args.program === '') delete args.program;
  if (args.program === undefined && !args.info && !args.help && !args.version) {
    const file = positional.shift();
    if (file === undefined) throw new UsageError('No program specified');
    args.file = file;
  }
  args.params = positional;
  return args;
}

export const RUN_HELP = `USAGE:
    bpfq [run] [options] filename
    bpfq [run] [options] - <stdin input>
    bpfq [run] [options] -e 'program'

OPTIONS:
    -B MODE        output buffering mode ('full', 'none')
    -f FORMAT      output format ('text', 'json')
    -o file        redirect bpftrace output to file
    -d             compile only: print the checked program, its disassembly and the artifact
    -dd            as -d
    -e 'program'   execute this program
    -h, --help     show this help message
    -I DIR         add the directory to the include search path
    --include FILE add an #include file before preprocessing
    -l [search]    list probes
    -p PID         enable USDT probes on PID
    -c 'CMD'       run CMD and enable USDT probes on resulting process
    --unsafe       allow unsafe builtin functions
    -q             keep messages quiet
    --info         print information about kernel BPF support
    -k             emit a warning when a bpf helper returns an error (except read functions)
    -kk            check all bpf helper functions
    -v             verbose messages
    --no-warnings  disable all warning messages
    -V, --version  bpfq version

ENVIRONMENT:
    BPFTRACE_STRLEN             [default: 64] bytes on BPF stack per str()
    BPFTRACE_NO_CPP_DEMANGLE    [default: 0] disable C++ symbol demangling
    BPFTRACE_MAP_KEYS_MAX       [default: 4096] max keys in a map
    BPFTRACE_CAT_BYTES_MAX      [default: 10k] maximum bytes read by cat builtin
    BPFTRACE_MAX_PROBES         [default: 512] max number of probes
    BPFTRACE_PERF_RB_PAGES      [default: 64] pages per CPU to allocate for ring buffer

EXAMPLES:
bpfq -l '*sleep*'
    list probes containing "sleep"
bpfq -e 'tracepoint:syscalls:sys_enter_nanosleep { printf("PID %d sleeping...\\n", pid); }'
    trace processes calling sleep
bpfq -c 'sleep 5' -e 'tracepoint:syscalls:sys_enter_nanosleep { printf("hi\\n"); }'
    run a command and trace it
`;
