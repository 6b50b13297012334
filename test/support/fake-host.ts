// A CompilerHost for unit tests: tracepoints and their formats captured from the reference
// machine (test/fixtures/front/capture.sh), plus a small hand-written set of kernel types,
// functions, binaries, ELF symbols and USDT notes. Nothing here touches the running kernel.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  CompilerHost,
  CType,
  ElfSymbol,
  TracepointField,
  UsdtProbe,
} from '../../compiler/host.js';
import { parseTracepointFormat } from '../../host/tracefs.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/front/', import.meta.url));

let formatsCache: Map<string, TracepointField[]> | undefined;

function loadFormats(): Map<string, TracepointField[]> {
  if (formatsCache) return formatsCache;
  const text = readFileSync(`${FIXTURES}formats.txt`, 'utf8');
  const out = new Map<string, TracepointField[]>();
  for (const chunk of text.split(/^=== /m)) {
    const nl = chunk.indexOf('\n');
    if (nl < 0) continue;
    out.set(chunk.slice(0, nl).trim(), parseTracepointFormat(chunk.slice(nl + 1)));
  }
  formatsCache = out;
  return out;
}

const int = (name: string, size: number, signed: boolean): CType => ({
  kind: 'int',
  name,
  size,
  signed,
});
const s32 = int('int', 4, true);
const u32 = int('unsigned int', 4, false);
const u64 = int('long unsigned int', 8, false);
const s64 = int('long int', 8, true);
const char = int('char', 1, true);
const charArray = (n: number): CType => ({ kind: 'array', elem: char, count: n });
const ptr = (target: () => CType): CType => ({ kind: 'ptr', target });

// Kernel types with the fields the tests and tool-style programs read. Offsets are made up
// but consistent (the real layouts come from BTF through host/node-host.ts).
const TYPES: Record<string, () => CType> = {
  task_struct: () => ({
    kind: 'struct',
    name: 'task_struct',
    size: 9792,
    fields: [
      { name: '__state', offset: 24, type: u32 },
      { name: 'flags', offset: 44, type: u32 },
      { name: 'pid', offset: 2464, type: s32 },
      { name: 'tgid', offset: 2468, type: s32 },
      {
        name: 'real_parent',
        offset: 2480,
        type: ptr(() => TYPES.task_struct?.() ?? { kind: 'void' }),
      },
      { name: 'comm', offset: 3016, type: charArray(16) },
      {
        name: 'mm',
        offset: 2336,
        type: ptr(() => ({ kind: 'struct', name: 'mm_struct', size: 1024, fields: [] })),
      },
      { name: 'se', offset: 192, type: TYPES.sched_entity?.() ?? { kind: 'void' } },
      { name: 'in_iowait', offset: 2400, type: u32, bitOffset: 1, bitSize: 1 },
    ],
  }),
  sched_entity: () => ({
    kind: 'struct',
    name: 'sched_entity',
    size: 256,
    fields: [
      { name: 'vruntime', offset: 88, type: u64 },
      { name: 'sum_exec_runtime', offset: 72, type: u64 },
    ],
  }),
  file: () => ({
    kind: 'struct',
    name: 'file',
    size: 232,
    fields: [
      { name: 'f_path', offset: 64, type: TYPES.path?.() ?? { kind: 'void' } },
      { name: 'f_pos', offset: 104, type: s64 },
    ],
  }),
  path: () => ({
    kind: 'struct',
    name: 'path',
    size: 16,
    fields: [
      {
        name: 'mnt',
        offset: 0,
        type: ptr(() => ({ kind: 'struct', name: 'vfsmount', size: 16, fields: [] })),
      },
      { name: 'dentry', offset: 8, type: ptr(() => TYPES.dentry?.() ?? { kind: 'void' }) },
    ],
  }),
  dentry: () => ({
    kind: 'struct',
    name: 'dentry',
    size: 192,
    fields: [
      { name: 'd_parent', offset: 24, type: ptr(() => TYPES.dentry?.() ?? { kind: 'void' }) },
      { name: 'd_name', offset: 32, type: TYPES.qstr?.() ?? { kind: 'void' } },
    ],
  }),
  qstr: () => ({
    kind: 'struct',
    name: 'qstr',
    size: 16,
    fields: [
      { name: 'len', offset: 4, type: u32 },
      { name: 'name', offset: 8, type: ptr(() => int('unsigned char', 1, false)) },
    ],
  }),
  sockaddr_in: () => ({
    kind: 'struct',
    name: 'sockaddr_in',
    size: 16,
    fields: [
      { name: 'sin_family', offset: 0, type: int('short unsigned int', 2, false) },
      { name: 'sin_port', offset: 2, type: int('short unsigned int', 2, false) },
      { name: 'sin_addr', offset: 4, type: TYPES.in_addr?.() ?? { kind: 'void' } },
    ],
  }),
  in_addr: () => ({
    kind: 'struct',
    name: 'in_addr',
    size: 4,
    fields: [{ name: 's_addr', offset: 0, type: u32 }],
  }),
  __kernel_timespec: () => ({
    kind: 'struct',
    name: '__kernel_timespec',
    size: 16,
    fields: [
      { name: 'tv_sec', offset: 0, type: s64 },
      { name: 'tv_nsec', offset: 8, type: s64 },
    ],
  }),
  u64: () => u64,
  pid_t: () => s32,
};

const FUNCTIONS: Record<string, { params: { name: string; type: CType }[]; ret: CType }> = {
  vfs_read: {
    params: [
      { name: 'file', type: ptr(() => TYPES.file?.() ?? { kind: 'void' }) },
      { name: 'buf', type: ptr(() => char) },
      { name: 'count', type: u64 },
      { name: 'pos', type: ptr(() => s64) },
    ],
    ret: s64,
  },
};

const KERNEL_FUNCTIONS = [
  'vfs_read',
  'vfs_write',
  'vfs_open',
  'vfs_fsync_range',
  'do_nanosleep',
  'do_sys_openat2',
  'tcp_connect',
  'tcp_v4_connect',
  'security_file_open',
  'ksys_read',
  'ksys_write',
  'kill_pid_info',
  'blk_account_io_start',
  'blk_account_io_done',
];

export interface FakeBinary {
  symbols: ElfSymbol[];
  usdt?: Omit<UsdtProbe, 'path'>[];
}

const sym = (name: string, address: bigint, size = 64n): ElfSymbol => ({
  name,
  address,
  size,
  fileOffset: address - 0x1000n + 0x1000n,
  kind: 'func',
});

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

const BINARIES: Record<string, FakeBinary> = {
  '/bin/bash': {
    symbols: [
      sym('main', 0x30000n),
      sym('readline', 0xd5e60n),
      sym('readline_internal_char', 0xd5000n),
      { ...sym('glob_asciirange', 0x12e6e4n, 4n), kind: 'object' },
    ],
  },
  [LIBC]: {
    symbols: [
      sym('malloc', 0xa0d10n),
      sym('free', 0xa1310n),
      sym('getaddrinfo', 0xf3e50n),
      sym('gethostbyname', 0x1151c0n),
      sym('gethostbyname2', 0x115550n),
      sym('pthread_create', 0x8a4b0n),
    ],
    usdt: [
      {
        provider: 'libc',
        name: 'memory_arena_new',
        fileOffset: 0x9a6f4n,
        semaphoreOffset: 0n,
        args: [
          { size: 8, spec: '8@%rax', location: { kind: 'reg', reg: 'rax' } },
          { size: 8, spec: '8@%rbx', location: { kind: 'reg', reg: 'rbx' } },
        ],
      },
    ],
  },
  '/tmp/libc': {
    symbols: [sym('malloc', 0xa0d10n)],
    usdt: [
      {
        provider: 'libc',
        name: 'memory_arena_new',
        fileOffset: 0x9a6f4n,
        semaphoreOffset: 0n,
        args: [
          { size: 8, spec: '8@%rax', location: { kind: 'reg', reg: 'rax' } },
          { size: 8, spec: '8@%rbx', location: { kind: 'reg', reg: 'rbx' } },
        ],
      },
    ],
  },
  '/tmp/tracetest': {
    symbols: [sym('main', 0x1139n), sym('myclock', 0x1189n)],
    usdt: [
      {
        provider: 'tracetest',
        name: 'testprobe',
        fileOffset: 0x11a2n,
        semaphoreOffset: 0n,
        args: [{ size: -8, spec: '-8@%rax', location: { kind: 'reg', reg: 'rax' } }],
      },
    ],
  },
};

/** A file that exists but is not ELF: reading its symbols fails, as the real host does. */
export const NOT_ELF = '/etc/hostname';

const LIBRARY_NAMES: Record<string, string> = {
  libc: LIBC,
  'libc.so.6': LIBC,
  bash: '/bin/bash',
};

export interface FakeHostOptions {
  /** Environment the host reports (BPFTRACE_STRLEN ...). */
  env?: Record<string, string>;
  /** Whether the kernel function list is readable (empty list otherwise, as without kprobes). */
  kernelFunctions?: boolean;
}

export class FakeHost implements CompilerHost {
  /** Every call the compiler made, by method name: tests check purity of lookups with it. */
  readonly calls: string[] = [];

  constructor(private readonly options: FakeHostOptions = {}) {}

  listTracepoints(): string[] {
    this.calls.push('listTracepoints');
    return [...loadFormats().keys()];
  }

  tracepointFormat(category: string, event: string): TracepointField[] | undefined {
    this.calls.push('tracepointFormat');
    return loadFormats().get(`${category}:${event}`);
  }

  listKernelFunctions(): string[] {
    this.calls.push('listKernelFunctions');
    return this.options.kernelFunctions === false ? [] : KERNEL_FUNCTIONS;
  }

  btfType(name: string): CType | undefined {
    this.calls.push('btfType');
    const bare = name.replace(/^(struct|union) /, '');
    return TYPES[bare]?.();
  }

  btfFunction(name: string): { params: { name: string; type: CType }[]; ret: CType } | undefined {
    this.calls.push('btfFunction');
    return FUNCTIONS[name];
  }

  resolveBinary(nameOrPath: string): string | undefined {
    this.calls.push('resolveBinary');
    if (BINARIES[nameOrPath] || nameOrPath === NOT_ELF) return nameOrPath;
    return LIBRARY_NAMES[nameOrPath];
  }

  elfSymbols(path: string): ElfSymbol[] {
    this.calls.push('elfSymbols');
    if (path === NOT_ELF) throw new Error(`${path}: not an ELF file`);
    return BINARIES[path]?.symbols ?? [];
  }

  usdtProbes(path: string): UsdtProbe[] {
    this.calls.push('usdtProbes');
    return (BINARIES[path]?.usdt ?? []).map((p) => ({ ...p, path }));
  }

  /** cgroupid(): the ids bpftrace 0.17 printed for these directories on the reference machine. */
  cgroupId(path: string): bigint | undefined {
    this.calls.push('cgroupId');
    return { '/sys/fs/cgroup/unified': 1n, '/sys/fs/cgroup/memory/process_api': 35n }[path];
  }

  kernelSymbol(name: string): bigint | undefined {
    this.calls.push('kernelSymbol');
    return name === 'jiffies' ? 0xffffffff8b205940n : undefined;
  }

  env(name: string): string | undefined {
    return this.options.env?.[name];
  }

  ncpus(): number {
    return 2;
  }
}
