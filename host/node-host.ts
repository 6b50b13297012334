// The CompilerHost of a real machine: tracefs, BTF, ELF files, the ld.so cache and
// kallsyms, each read on first use and cached for the life of the host object.
import { readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type {
  CType,
  CompilerHost,
  ElfSymbol,
  TracepointField,
  UsdtProbe,
} from '../compiler/host.js';
import { Btf, type BtfFunction } from './btf.js';
import { findDebugFile, symbolsWithDebugInfo } from './debug-files.js';
import { Dwarf } from './dwarf.js';
import { ElfFile } from './elf.js';
import { Kallsyms, readFilterFunctions, type FilterFunctions } from './kallsyms.js';
import { LdCache, isExecutable, isFile, searchLibraryDirs, searchProcessMaps } from './ld-cache.js';
import { Tracefs, findTracefs } from './tracefs.js';
import { usdtProbesOf, type UsdtProbeWithErrors } from './usdt-notes.js';

export interface NodeHostOptions {
  /** tracefs mount point. Default: /sys/kernel/tracing, else /sys/kernel/debug/tracing. */
  tracefs?: string;
  /** Kernel BTF. Default: /sys/kernel/btf/vmlinux. */
  btfPath?: string;
  /** Default: /proc/kallsyms. */
  kallsymsPath?: string;
  /** Default: /etc/ld.so.cache. */
  ldCachePath?: string;
  /** Environment for env(). Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Default: /sys/devices/system/cpu/possible. */
  cpuPossiblePath?: string;
}

/** Parses a kernel CPU list (`0-3,5,7-8`) into the number of CPUs it names. */
export function countCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || !Number.isInteger(lo)) continue;
    n += hi !== undefined && Number.isInteger(hi) ? hi - lo + 1 : 1;
  }
  return n;
}

interface CachedElf {
  mtimeMs: number;
  size: number;
  elf: ElfFile;
  usdt?: UsdtProbeWithErrors[];
  symbols?: ElfSymbol[];
  /** null: looked for and found none. */
  dwarf?: Dwarf | null;
}

export class NodeHost implements CompilerHost {
  readonly tracefs: Tracefs;
  private readonly kallsyms: Kallsyms;
  private readonly ldCache: LdCache;
  private readonly btfPath: string;
  private btf: Btf | null | undefined;
  private filterFunctions: FilterFunctions | undefined;
  private cpus: number | undefined;
  private readonly elfs = new Map<string, CachedElf>();
  private readonly env_: Record<string, string | undefined>;
  private readonly cpuPossiblePath: string;

  constructor(options: NodeHostOptions = {}) {
    this.tracefs = new Tracefs(options.tracefs ?? findTracefs() ?? '/sys/kernel/tracing');
    this.btfPath = options.btfPath ?? '/sys/kernel/btf/vmlinux';
    this.kallsyms = new Kallsyms(options.kallsymsPath);
    this.ldCache = new LdCache(options.ldCachePath);
    this.env_ = options.env ?? process.env;
    this.cpuPossiblePath = options.cpuPossiblePath ?? '/sys/devices/system/cpu/possible';
  }

  listTracepoints(): string[] {
    return this.tracefs.listTracepoints();
  }

  tracepointFormat(category: string, event: string): TracepointField[] | undefined {
    return this.tracefs.format(category, event);
  }

  listKernelFunctions(): string[] {
    const f = this.kernelFunctionList();
    return f.ok ? f.names : [];
  }

  /** The kprobe-able function list, or why it could not be read (for -l's warning). */
  kernelFunctionList(): FilterFunctions {
    this.filterFunctions ??= readFilterFunctions(this.tracefs.root);
    return this.filterFunctions;
  }

  /** The vmlinux BTF, or undefined when the kernel has none. */
  kernelBtf(): Btf | undefined {
    if (this.btf === undefined) {
      try {
        this.btf = new Btf(readFileSync(this.btfPath));
      } catch {
        this.btf = null;
      }
    }
    return this.btf ?? undefined;
  }

  btfType(name: string): CType | undefined {
    return this.kernelBtf()?.type(name);
  }

  btfFunction(name: string): BtfFunction | undefined {
    return this.kernelBtf()?.func(name);
  }

  resolveBinary(nameOrPath: string, pid?: number): string | undefined {
    if (nameOrPath === '') return undefined;
    if (nameOrPath.includes('/')) {
      if (isFile(nameOrPath)) return nameOrPath;
      // A path inside a traced process's mount namespace.
      if (pid !== undefined && nameOrPath.startsWith('/')) {
        const inRoot = `/proc/${pid}/root${nameOrPath}`;
        if (isFile(inRoot)) return inRoot;
      }
      return undefined;
    }
    if (pid !== undefined) {
      const mapped = searchProcessMaps(nameOrPath, pid);
      if (mapped) return mapped;
    }
    // bpftrace looks for programs on $PATH before libraries (`uprobe:bash:readline`).
    for (const dir of (this.env_['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, nameOrPath);
      if (isExecutable(candidate)) return candidate;
    }
    return this.ldCache.lookup(nameOrPath) ?? searchLibraryDirs(nameOrPath);
  }

  /** The parsed ELF file at path (cached while its size and mtime stay the same). */
  elf(path: string): ElfFile {
    const st = statSync(path);
    const cached = this.elfs.get(path);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.elf;
    const elf = ElfFile.open(path);
    this.elfs.set(path, { mtimeMs: st.mtimeMs, size: st.size, elf });
    return elf;
  }

  /** Symbols of the file and of its separate debug file, when one is installed. */
  elfSymbols(path: string): ElfSymbol[] {
    let elf: ElfFile;
    try {
      elf = this.elf(path);
    } catch {
      return [];
    }
    const cached = this.elfs.get(path);
    if (cached?.symbols) return cached.symbols;
    const symbols = symbolsWithDebugInfo(elf, path);
    if (cached) cached.symbols = symbols;
    return symbols;
  }

  usdtProbes(path: string): UsdtProbe[] {
    return this.usdtProbesWithErrors(path);
  }

  /** usdtProbes, with `argError` set on probes whose argument specs could not be parsed. */
  usdtProbesWithErrors(path: string): UsdtProbeWithErrors[] {
    let elf: ElfFile;
    try {
      elf = this.elf(path);
    } catch {
      return [];
    }
    const cached = this.elfs.get(path);
    if (cached?.usdt) return cached.usdt;
    const probes = usdtProbesOf(elf, path);
    if (cached) cached.usdt = probes;
    return probes;
  }

  /** The DWARF describing a binary: its own .debug_info, else its debug file's. */
  dwarf(path: string): Dwarf | undefined {
    let elf: ElfFile;
    try {
      elf = this.elf(path);
    } catch {
      return undefined;
    }
    const cached = this.elfs.get(path);
    if (cached && cached.dwarf !== undefined) return cached.dwarf ?? undefined;
    let dwarf: Dwarf | undefined;
    try {
      dwarf = Dwarf.of(elf);
      if (!dwarf) {
        const debug = findDebugFile(elf, path);
        dwarf = debug ? Dwarf.of(debug) : undefined;
      }
    } catch {
      dwarf = undefined;
    }
    if (cached) cached.dwarf = dwarf ?? null;
    return dwarf;
  }

  functionParams(path: string, func: string): { name: string; type: CType }[] | undefined {
    try {
      const dwarf = this.dwarf(path);
      if (!dwarf) return undefined;
      // A function the DWARF does not describe has no parameters to name (0.17: "Can't find
      // function parameter"), unlike a binary without DWARF ("No debuginfo found").
      return (dwarf.functionParams(func) ?? []).map((p) => ({ name: p.name, type: p.type }));
    } catch {
      return undefined;
    }
  }

  cgroupId(path: string): bigint | undefined {
    // cgroupfs (kernfs) gives a directory the cgroup's id as its inode number.
    try {
      return statSync(path, { bigint: true }).ino;
    } catch {
      return undefined;
    }
  }

  kernelSymbol(name: string): bigint | undefined {
    return this.kallsyms.address(name);
  }

  env(name: string): string | undefined {
    return this.env_[name];
  }

  ncpus(): number {
    if (this.cpus === undefined) {
      let n = 0;
      try {
        n = countCpuList(readFileSync(this.cpuPossiblePath, 'utf8'));
      } catch {
        n = 0;
      }
      this.cpus = n > 0 ? n : 1;
    }
    return this.cpus;
  }
}

let shared: NodeHost | undefined;

/** One host per process, so BTF and symbol tables are read once. */
export function nodeHost(): NodeHost {
  shared ??= new NodeHost();
  return shared;
}
