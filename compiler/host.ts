// The one door through which the compiler learns about the machine it compiles for.
// compiler/ is pure: it never reads files itself. The CLI and the worker pass a host that
// reads tracefs, BTF and ELF files (host/node-host.ts); unit tests pass a fake.

/** A C type as the compiler needs it: from BTF, tracepoint format files or `struct` text. */
export type CType =
  | { kind: 'void' }
  /** `float` marks a floating-point base type (DWARF), which is passed in SSE registers. */
  | { kind: 'int'; name: string; size: number; signed: boolean; float?: boolean }
  | { kind: 'enum'; name: string; size: number; signed: boolean }
  | { kind: 'ptr'; target: () => CType }
  | { kind: 'array'; elem: CType; count: number }
  | { kind: 'struct' | 'union'; name: string; size: number; fields: CField[] }
  | { kind: 'func'; name: string };

export interface CField {
  name: string;
  /** Byte offset from the start of the enclosing struct. */
  offset: number;
  type: CType;
  /** Present for bitfields: bit offset within the byte at `offset`, and width in bits. */
  bitOffset?: number;
  bitSize?: number;
}

/** One field of a tracepoint format file (`/sys/kernel/tracing/events/CAT/EVENT/format`). */
export interface TracepointField {
  name: string;
  /** The C declaration's type text, e.g. `const char *`, `char[16]`, `__data_loc char[]`. */
  typeText: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `__data_loc` fields hold (len << 16 | offset) of a variable-length payload. */
  dataLoc: boolean;
  /** True for the `common_*` header fields that `-lv` does not show. */
  common: boolean;
}

export interface ElfSymbol {
  name: string;
  /** Virtual address as written in the symbol table. */
  address: bigint;
  size: bigint;
  /** File offset of `address`, computed from the program headers (what uprobes attach to). */
  fileOffset: bigint;
  kind: 'func' | 'object' | 'other';
}

export interface UsdtArgument {
  /** Size in bytes, negative for signed (the `-4` in `-4@%eax`). */
  size: number;
  /** The raw spec, e.g. `-4@-20(%rbp)`, kept for messages and `-lv`. */
  spec: string;
  location:
    | { kind: 'const'; value: bigint }
    | { kind: 'reg'; reg: string }
    | { kind: 'mem'; base: string; offset: bigint; index?: string; scale?: number };
}

export interface UsdtProbe {
  provider: string;
  name: string;
  /** The binary or library holding the note. */
  path: string;
  /** File offset of the probe site (adjusted for prelink base), what the uprobe attaches to. */
  fileOffset: bigint;
  /** File offset of the semaphore, 0n when the probe has none. */
  semaphoreOffset: bigint;
  args: UsdtArgument[];
}

export interface CompilerHost {
  /** Every tracepoint as `category:event`. */
  listTracepoints(): string[];
  /** The fields of a tracepoint, or undefined when it does not exist. */
  tracepointFormat(category: string, event: string): TracepointField[] | undefined;
  /** Kernel functions that kprobes could attach to (empty where that list is unreadable). */
  listKernelFunctions(): string[];
  /** A kernel type by name from BTF (`task_struct`, `struct task_struct`), or undefined. */
  btfType(name: string): CType | undefined;
  /** A kernel function's prototype from BTF, for kfunc arguments. */
  btfFunction(name: string): { params: { name: string; type: CType }[]; ret: CType } | undefined;
  /**
   * Resolves a binary or library the way the dynamic linker would: a path is returned as
   * is when it exists; `libc` or `libc.so.6` is searched in the ld.so cache and the usual
   * directories (and in /proc/PID/maps when a pid is given). Undefined when not found.
   */
  resolveBinary(nameOrPath: string, pid?: number): string | undefined;
  elfSymbols(path: string): ElfSymbol[];
  usdtProbes(path: string): UsdtProbe[];
  /**
   * A user function's parameters from DWARF (the binary's own or its separate debug
   * file's), for `args` of uprobes: undefined when the binary has no DWARF, an empty list
   * when its DWARF does not describe the function. Optional: hosts without DWARF support
   * leave it out (then every binary reads as having none).
   */
  functionParams?(path: string, func: string): { name: string; type: CType }[] | undefined;
  /**
   * The id of the cgroup whose directory is `path` (cgroupid(), resolved at compile time as
   * in 0.17): the directory's inode number on cgroupfs. Undefined when the path does not
   * exist. Optional: hosts without a file system leave it out and cgroupid() is unsupported.
   */
  cgroupId?(path: string): bigint | undefined;
  /** Kernel symbol address (kaddr), undefined when unknown. */
  kernelSymbol(name: string): bigint | undefined;
  /** Environment variables the language honours (BPFTRACE_STRLEN, BPFTRACE_MAP_KEYS_MAX, ...). */
  env(name: string): string | undefined;
  /** Number of possible CPUs (per-CPU map value sizes). */
  ncpus(): number;
}
