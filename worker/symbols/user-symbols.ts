// User address -> `symbol+offset` and module, per process: /proc/PID/maps says which file
// backs the address, that file's ELF symbols (and its separate debug file's) name it.
//
// bpftrace resolves user stacks when it prints them, often after the traced process has
// exited, when /proc/PID/maps is gone and 0.17 falls back to hex. Here a process can be
// remembered while it lives (rememberProcess): its mappings are kept and the symbol
// tables of its files loaded, so its addresses still resolve after it exits.
import { existsSync, statSync } from 'node:fs';
import { symbolsWithDebugInfo } from '../../host/debug-files.js';
import { ElfFile } from '../../host/elf.js';
import type { ResolvedUserSymbol } from '../output/symbolizer.js';
import { codeMappings, readMaps, type Mapping } from './proc-maps.js';

interface FuncTable {
  elf: ElfFile;
  starts: bigint[];
  ends: bigint[];
  names: string[];
}

interface CachedTable {
  mtimeMs: number;
  size: number;
  table: FuncTable | undefined;
}

interface ProcessSnapshot {
  mappings: { mapping: Mapping; file: string }[];
}

/** How far back to look for an enclosing symbol when symbols nest or overlap. */
const MAX_WALK_BACK = 64;

export class UserSymbols {
  private readonly tables = new Map<string, CachedTable>();
  private readonly processes = new Map<number, ProcessSnapshot>();

  /**
   * Snapshots a live process's code mappings and loads the symbols of their files, so
   * that later lookups work even after the process exits. Calling it again refreshes the
   * snapshot (a process maps more libraries as it runs). False when the process is gone.
   */
  rememberProcess(pid: number): boolean {
    const maps = readMaps(pid);
    if (!maps) return false;
    const mappings = codeMappings(maps).map((mapping) => ({
      mapping,
      file: fileFor(pid, mapping.path),
    }));
    for (const { file } of mappings) this.table(file);
    this.processes.set(pid, { mappings });
    return true;
  }

  /** Drops what is known about a process (its pid may be reused). */
  forget(pid: number): void {
    this.processes.delete(pid);
  }

  resolve(pid: number, addr: bigint): ResolvedUserSymbol | undefined {
    let found = this.mappingOf(pid, addr);
    if (!found) {
      // Unknown process or an address in a library mapped since the snapshot.
      if (!this.rememberProcess(pid)) return undefined;
      found = this.mappingOf(pid, addr);
      if (!found) return undefined;
    }
    const { mapping, file } = found;
    const table = this.table(file);
    if (!table) return undefined;
    const fileOffset = addr - mapping.start + mapping.offset;
    const vaddr = table.elf.offsetToVaddr(fileOffset) ?? fileOffset;
    const i = lookup(table, vaddr);
    if (i < 0) return undefined;
    return {
      name: table.names[i] ?? '',
      offset: vaddr - (table.starts[i] ?? 0n),
      module: mapping.path,
    };
  }

  private mappingOf(pid: number, addr: bigint): { mapping: Mapping; file: string } | undefined {
    return this.processes
      .get(pid)
      ?.mappings.find((m) => addr >= m.mapping.start && addr < m.mapping.end);
  }

  /** The function table of a file, read once per file version. */
  private table(file: string): FuncTable | undefined {
    let st: { mtimeMs: number; size: number };
    try {
      st = statSync(file);
    } catch {
      // The file is gone (or the process's root with it): keep what was read before.
      return this.tables.get(file)?.table;
    }
    const cached = this.tables.get(file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.table;
    let table: FuncTable | undefined;
    try {
      table = buildTable(ElfFile.open(file), file);
    } catch {
      table = undefined;
    }
    this.tables.set(file, { mtimeMs: st.mtimeMs, size: st.size, table });
    return table;
  }
}

/** Where to open a mapped file: as this process sees it, else through the target's root. */
function fileFor(pid: number, path: string): string {
  if (existsSync(path)) return path;
  return `/proc/${pid}/root${path}`;
}

function buildTable(elf: ElfFile, path: string): FuncTable {
  // Functions only, as bcc's default symbol option: data symbols never hold code.
  const funcs = symbolsWithDebugInfo(elf, path).filter(
    (s) => s.kind === 'func' && s.address !== 0n,
  );
  return {
    elf,
    starts: funcs.map((s) => s.address),
    ends: funcs.map((s) => s.address + s.size),
    names: funcs.map((s) => s.name),
  };
}

/** Index of the symbol whose [start, start+size) holds vaddr, or -1. */
function lookup(t: FuncTable, vaddr: bigint): number {
  let lo = 0;
  let hi = t.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t.starts[mid] ?? 0n) <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  // Symbols can nest (a local alias inside a larger function): step back to the first
  // one that actually covers the address.
  for (let i = lo - 1, steps = 0; i >= 0 && steps < MAX_WALK_BACK; i--, steps++) {
    if (vaddr < (t.ends[i] ?? 0n)) return i;
  }
  return -1;
}
