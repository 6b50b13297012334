// Kernel address -> `symbol+offset`, from /proc/kallsyms, with bpftrace 0.17's choices:
// only text symbols (t, T, w, W) count, so an address past the last function is named
// after `_einittext`; among symbols sharing an address the one bcc's std::sort leaves
// last wins (see stl-sort.ts). JIT-ed BPF programs (`[bpf]`) count as they are listed
// when the table is read: bpftrace reads it before loading its own programs, so a frame
// in one of them prints as the symbol below it (`_einittext+N` when no other BPF program
// is loaded). The table's input order decides ties, so nothing listed may be skipped.
import { readFileSync } from 'node:fs';
import type { ResolvedSymbol } from '../output/symbolizer.js';
import { stlSort } from './stl-sort.js';

interface Entry {
  addr: bigint;
  name: string;
  /** addr minus the lowest address, as a number: the sort compares these (BigInt is slow). */
  key: number;
}

export class KernelSymbols {
  private readonly addrs: BigUint64Array;
  private readonly names: string[];
  /**
   * True when the table names nothing: kallsyms was unreadable, or showed every address as
   * 0 (kptr_restrict, for a reader without CAP_SYSLOG).
   */
  readonly hidden: boolean;

  /** Builds the table from /proc/kallsyms text, in file order as bcc reads it. */
  constructor(kallsymsText: string) {
    const entries: Entry[] = [];
    for (const line of kallsymsText.split('\n')) {
      // `ffffffff81000000 T _text` or `ffffffffc000070c t bpf_prog_..._name\t[bpf]`
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const type = line[sp + 1];
      if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
      const tab = line.indexOf('\t', sp + 3);
      const name = tab < 0 ? line.slice(sp + 3) : line.slice(sp + 3, tab);
      entries.push({ addr: BigInt(`0x${line.slice(0, sp)}`), name: name.trimEnd(), key: 0 });
    }
    // kptr_restrict: without CAP_SYSLOG every address reads 0 and nothing can be named.
    this.hidden = entries.every((e) => e.addr === 0n);
    const table = this.hidden ? [] : entries;
    let min = table[0]?.addr ?? 0n;
    let max = min;
    for (const e of table) {
      if (e.addr < min) min = e.addr;
      if (e.addr > max) max = e.addr;
    }
    if (max - min < 2n ** 52n) {
      // Kernel addresses share their top bits: offsets from the lowest fit a double
      // exactly, and comparing them orders the same as comparing the addresses.
      for (const e of table) e.key = Number(e.addr - min);
      stlSort(table, (a, b) => a.key < b.key);
    } else {
      stlSort(table, (a, b) => a.addr < b.addr);
    }
    this.addrs = BigUint64Array.from(table.map((e) => e.addr));
    this.names = table.map((e) => e.name);
  }

  static load(path = '/proc/kallsyms'): KernelSymbols {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = '';
    }
    return new KernelSymbols(text);
  }

  get size(): number {
    return this.names.length;
  }

  /** The last symbol at or below addr (no size limit, as bcc), or undefined below the first. */
  resolve(addr: bigint): ResolvedSymbol | undefined {
    let lo = 0;
    let hi = this.addrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.addrs[mid] ?? 0n) <= addr) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    const start = this.addrs[lo - 1] ?? 0n;
    return { name: this.names[lo - 1] ?? '', offset: addr - start };
  }
}
