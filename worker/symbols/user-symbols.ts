// User address -> `symbol+offset` and module, per process: /proc/PID/maps says which file
// backs the address, that file's ELF symbols (and its separate debug file's) name it.
//
// bpftrace resolves user stacks when it prints them, often after the traced process has
// exited, when /proc/PID/maps is gone and 0.17 falls back to hex. Here a process can be
// remembered while it lives (rememberProcess): its mappings are kept and the symbol
// tables of its files loaded, so its addresses still resolve after it exits.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { findDebugFile } from '../../host/debug-files.js';
import { ElfFile, bufferSource, type RawElfSymbol } from '../../host/elf.js';
import type { ResolvedUserSymbol } from '../output/symbolizer.js';
import { codeMappings, readMaps, type Mapping } from './proc-maps.js';
import { demangle } from './demangle.js';
import { stlSort } from './stl-sort.js';

export interface SymbolTable {
  /** The file the symbols describe; absent for a perf map (absolute addresses). */
  elf?: ElfFile;
  starts: bigint[];
  ends: bigint[];
  names: string[];
}

interface CachedTable {
  mtimeMs: number;
  size: number;
  table: SymbolTable | undefined;
}

interface ProcessSnapshot {
  mappings: { mapping: Mapping; file: string }[];
}

export class UserSymbols {
  private readonly tables = new Map<string, CachedTable>();
  private readonly processes = new Map<number, ProcessSnapshot>();
  private vdso: SymbolTable | null | undefined;
  private readonly refreshed = new Map<number, number>();

  /**
   * Snapshots a live process's code mappings and loads the symbols of their files, so
   * that later lookups work even after the process exits. Calling it again refreshes the
   * snapshot (a process maps more libraries as it runs). False when the process is gone.
   */
  rememberProcess(pid: number): boolean {
    const maps = readMaps(pid);
    if (!maps) return false;
    // JIT compilers (node --perf-basic-prof, Java agents) name their anonymous code in
    // /tmp/perf-PID.map, which bcc (and so bpftrace) reads for anonymous mappings.
    const perfMap = `/tmp/perf-${pid}.map`;
    const anonymous = existsSync(perfMap)
      ? maps.filter((m) => m.perms.includes('x') && (m.path === '' || m.path.startsWith('[anon')))
      : [];
    const mappings = [
      ...codeMappings(maps).map((mapping) => ({ mapping, file: fileFor(pid, mapping.path) })),
      ...maps.filter((m) => m.path === VDSO).map((mapping) => ({ mapping, file: VDSO })),
      ...anonymous.map((mapping) => ({ mapping, file: perfMap })),
    ];
    for (const { file } of mappings) this.table(file);
    this.processes.set(pid, { mappings });
    return true;
  }

  /** Drops what is known about a process (its pid may be reused). */
  forget(pid: number): void {
    this.processes.delete(pid);
    this.refreshed.delete(pid);
  }

  resolve(pid: number, addr: bigint): ResolvedUserSymbol | undefined {
    let found = this.mappingOf(pid, addr);
    if (!found) {
      // Unknown process or an address in a library mapped since the snapshot. A stack
      // dump can hold many addresses no mapping explains: re-read maps at most every
      // 200 ms per process.
      const last = this.refreshed.get(pid) ?? 0;
      if (this.processes.has(pid) && Date.now() - last < 200) return undefined;
      this.refreshed.set(pid, Date.now());
      if (!this.rememberProcess(pid)) return undefined;
      found = this.mappingOf(pid, addr);
      if (!found) return undefined;
    }
    const { mapping, file } = found;
    const table = this.table(file);
    if (!table) return undefined;
    // Perf maps list absolute addresses; ELF symbols are virtual addresses of the file.
    const fileOffset = addr - mapping.start + mapping.offset;
    const vaddr = table.elf ? (table.elf.offsetToVaddr(fileOffset) ?? fileOffset) : addr;
    const i = lookup(table, vaddr);
    if (i < 0) return undefined;
    return {
      name: demangle(table.names[i] ?? ''),
      offset: vaddr - (table.starts[i] ?? 0n),
      module: table.elf ? mapping.path : file,
    };
  }

  private mappingOf(pid: number, addr: bigint): { mapping: Mapping; file: string } | undefined {
    return this.processes
      .get(pid)
      ?.mappings.find((m) => addr >= m.mapping.start && addr < m.mapping.end);
  }

  /** The function table of a file, read once per file version. */
  private table(file: string): SymbolTable | undefined {
    if (file === VDSO) {
      this.vdso ??= vdsoTable() ?? null;
      return this.vdso ?? undefined;
    }
    let st: { mtimeMs: number; size: number };
    try {
      st = statSync(file);
    } catch {
      // The file is gone (or the process's root with it): keep what was read before.
      return this.tables.get(file)?.table;
    }
    const cached = this.tables.get(file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.table;
    let table: SymbolTable | undefined;
    try {
      if (/^\/tmp\/perf-\d+\.map$/.test(file)) {
        table = perfMapTable(readFileSync(file, 'utf8'));
      } else {
        const elf = ElfFile.open(file);
        table = buildTable(elf, findDebugFile(elf, file));
      }
    } catch {
      table = undefined;
    }
    this.tables.set(file, { mtimeMs: st.mtimeMs, size: st.size, table });
    return table;
  }
}

const VDSO = '[vdso]';

/**
 * The vDSO's symbols. The kernel maps the same vDSO image into every 64-bit process, so
 * this process's copy (read from its own memory) names frames of any other.
 */
function vdsoTable(): SymbolTable | undefined {
  const own = readMaps(process.pid)?.find((m) => m.path === VDSO);
  if (!own) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync('/proc/self/mem', 'r');
    const size = Number(own.end - own.start);
    const image = Buffer.alloc(size);
    if (readSync(fd, image, 0, size, Number(own.start)) !== size) return undefined;
    return buildTable(new ElfFile(bufferSource(image)), undefined);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Where to open a mapped file: as this process sees it, else through the target's root. */
function fileFor(pid: number, path: string): string {
  if (existsSync(path)) return path;
  return `/proc/${pid}/root${path}`;
}

/**
 * The symbol table as bpftrace 0.17 (through bcc) builds it, so that where several names
 * share an address (`__GI_abort`/`abort`, `__libc_start_main_impl`/`__libc_start_main`)
 * the same one wins: the debug file's entries first, then the file's own, every symbol
 * type, zero addresses dropped, in table order; then libstdc++'s std::sort by address.
 */
export function buildTable(elf: ElfFile, debug: ElfFile | undefined): SymbolTable {
  const entries = [...(debug?.rawSymbols() ?? []), ...elf.rawSymbols()].filter(
    (s) => s.value !== 0n,
  );
  // Sorting indices by numeric keys moves and compares exactly as sorting the entries by
  // address would, while the addresses stay below 2^53 (any user-space ELF address does);
  // comparing doubles is much cheaper than comparing BigInts.
  const limit = 2n ** 53n;
  const exact = entries.every((e) => e.value < limit);
  const keys = Float64Array.from(entries, (e) => (exact ? Number(e.value) : 0));
  const order = entries.map((_, i) => i);
  if (exact) stlSort(order, (a, b) => (keys[a] ?? 0) < (keys[b] ?? 0));
  else stlSort(order, (a, b) => (entries[a]?.value ?? 0n) < (entries[b]?.value ?? 0n));
  const sorted = order.map((i) => entries[i] as RawElfSymbol);
  return {
    elf,
    starts: sorted.map((s) => s.value),
    ends: sorted.map((s) => s.value + s.size),
    names: sorted.map((s) => s.name),
  };
}

/**
 * A perf map (`START SIZE NAME` per line, hex, names may hold spaces), sorted as bcc
 * sorts it: std::sort on the start address, in file order before sorting.
 */
export function perfMapTable(text: string): SymbolTable {
  const entries: { start: bigint; size: bigint; name: string; key: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = BigInt(`0x${m[1] ?? '0'}`);
    entries.push({ start, size: BigInt(`0x${m[2] ?? '0'}`), name: m[3] ?? '', key: Number(start) });
  }
  stlSort(entries, (a, b) => a.key < b.key);
  return {
    starts: entries.map((e) => e.start),
    ends: entries.map((e) => e.start + e.size),
    names: entries.map((e) => e.name),
  };
}

/**
 * Index of the symbol whose [start, start+size) holds vaddr, or -1: the last one at or
 * below vaddr that covers it, stepping back past nested or zero-sized ones (as bcc).
 */
export function lookup(t: SymbolTable, vaddr: bigint): number {
  let lo = 0;
  let hi = t.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t.starts[mid] ?? 0n) <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    if (vaddr < (t.ends[i] ?? 0n)) return i;
  }
  return -1;
}
