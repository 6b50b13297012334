// Kernel symbols: /proc/kallsyms (every symbol with its address; addresses read as zero
// without CAP_SYSLOG under kptr_restrict) and tracefs' available_filter_functions (the
// functions kprobes can attach to; unreadable under lockdown).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KernelSymbolTable {
  /** Sorted ascending; for equal addresses the later line of /proc/kallsyms comes last. */
  addresses: BigUint64Array;
  names: string[];
  /** The module in brackets (`[xfs]`) without brackets, '' for the kernel image. */
  modules: string[];
}

/** Parses /proc/kallsyms text (`ffffffff81000000 T _text [module]`). */
export function parseKallsyms(text: string): KernelSymbolTable {
  const rows: { addr: bigint; name: string; module: string; line: number }[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw === '') continue;
    const first = raw.indexOf(' ');
    const second = raw.indexOf(' ', first + 1);
    if (first < 0 || second < 0) continue;
    const rest = raw.slice(second + 1);
    const tab = rest.indexOf('\t');
    const name = tab < 0 ? rest.trim() : rest.slice(0, tab).trim();
    const module =
      tab < 0
        ? ''
        : rest
            .slice(tab + 1)
            .trim()
            .replace(/^\[|\]$/g, '');
    rows.push({ addr: BigInt(`0x${raw.slice(0, first)}`), name, module, line });
  }
  rows.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.line - b.line));
  const addresses = new BigUint64Array(rows.length);
  const names: string[] = new Array<string>(rows.length);
  const modules: string[] = new Array<string>(rows.length);
  rows.forEach((r, i) => {
    addresses[i] = r.addr;
    names[i] = r.name;
    modules[i] = r.module;
  });
  return { addresses, names, modules };
}

/** Index of the last symbol at or below addr, or -1. */
export function lookupIndex(table: KernelSymbolTable, addr: bigint): number {
  let lo = 0;
  let hi = table.addresses.length;
  // Upper bound: the first entry above addr; the answer is the one before it.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((table.addresses[mid] ?? 0n) <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** True when every address reads as zero (kptr_restrict hides them from this process). */
export function addressesHidden(table: KernelSymbolTable): boolean {
  const n = table.addresses.length;
  return n === 0 || table.addresses[n - 1] === 0n;
}

/** Parses available_filter_functions (`name` or `name [module]` per line): names, sorted, unique. */
export function parseFilterFunctions(text: string): string[] {
  const set = new Set<string>();
  for (const raw of text.split('\n')) {
    const name = raw.trim().split(/\s+/)[0];
    if (name) set.add(name);
  }
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export class Kallsyms {
  private table: KernelSymbolTable | undefined;
  private byName: Map<string, bigint> | undefined;

  constructor(private readonly path = '/proc/kallsyms') {}

  symbols(): KernelSymbolTable {
    if (!this.table) {
      let text = '';
      try {
        text = readFileSync(this.path, 'utf8');
      } catch {
        text = '';
      }
      this.table = parseKallsyms(text);
    }
    return this.table;
  }

  /** The address of a kernel symbol (kaddr), undefined when unknown or hidden. */
  address(name: string): bigint | undefined {
    if (!this.byName) {
      const t = this.symbols();
      const m = new Map<string, bigint>();
      if (!addressesHidden(t)) {
        // The first definition wins: a static function in a module may reuse a name.
        for (let i = 0; i < t.names.length; i++) {
          const n = t.names[i] ?? '';
          if (!m.has(n) && (t.modules[i] ?? '') === '') m.set(n, t.addresses[i] ?? 0n);
        }
        for (let i = 0; i < t.names.length; i++) {
          const n = t.names[i] ?? '';
          if (!m.has(n)) m.set(n, t.addresses[i] ?? 0n);
        }
      }
      this.byName = m;
    }
    return this.byName.get(name);
  }
}

/** The outcome of reading the kprobe-able function list. */
export type FilterFunctions =
  { ok: true; names: string[] } | { ok: false; error: string; path: string };

export function readFilterFunctions(tracefsRoot: string): FilterFunctions {
  const path = join(tracefsRoot, 'available_filter_functions');
  try {
    return { ok: true, names: parseFilterFunctions(readFileSync(path, 'utf8')) };
  } catch (err) {
    return { ok: false, error: describeFsError(err), path };
  }
}

/** `Operation not permitted` from an fs error, as strerror(3) would say it. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EPERM':
      return 'Operation not permitted';
    case 'EACCES':
      return 'Permission denied';
    case 'ENOENT':
      return 'No such file or directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
