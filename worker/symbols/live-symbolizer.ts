// The Symbolizer worker/output calls while decoding stacks, ksym() and usym(): kernel
// names from /proc/kallsyms, user names from each process's maps and ELF files.
import type { ResolvedSymbol, ResolvedUserSymbol, Symbolizer } from '../output/symbolizer.js';
import { KernelSymbols } from './kernel-symbols.js';
import { UserSymbols } from './user-symbols.js';

export interface LiveSymbolizerOptions {
  /** Default: /proc/kallsyms. */
  kallsymsPath?: string;
}

export class LiveSymbolizer implements Symbolizer {
  private kernelSymbols: KernelSymbols | undefined;
  private readonly userSymbols = new UserSymbols();

  constructor(private readonly options: LiveSymbolizerOptions = {}) {}

  /**
   * Reads /proc/kallsyms now rather than at the first kernel address. Call it before
   * loading the programs: bpftrace 0.17 reads kallsyms before its own programs exist, and
   * which names win ties depends on every entry read.
   */
  loadKernelSymbols(): KernelSymbols {
    this.kernelSymbols ??= KernelSymbols.load(this.options.kallsymsPath);
    return this.kernelSymbols;
  }

  kernel(addr: bigint): ResolvedSymbol | undefined {
    return this.loadKernelSymbols().resolve(addr);
  }

  user(pid: number, addr: bigint): ResolvedUserSymbol | undefined {
    return this.userSymbols.resolve(pid, addr);
  }

  /**
   * Keeps a live process's mappings and symbol tables so its stacks resolve after it
   * exits (call it for `-p`/`-c` targets at start, and again as the process maps more).
   * False when the process is already gone.
   */
  rememberProcess(pid: number): boolean {
    return this.userSymbols.rememberProcess(pid);
  }

  /**
   * Remembers a process now and again every `intervalMs` (default 1000) while it lives,
   * so libraries it loads later (dlopen) are known too. Returns a function that stops
   * watching; watching also stops by itself once the process is gone. The timer never
   * keeps Node alive.
   */
  watchProcess(pid: number, intervalMs = 1000): () => void {
    if (!this.rememberProcess(pid)) return () => {};
    const timer = setInterval(() => {
      if (!this.rememberProcess(pid)) clearInterval(timer);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  forgetProcess(pid: number): void {
    this.userSymbols.forget(pid);
  }
}

let shared: LiveSymbolizer | undefined;

/** The process-wide symbolizer, so kallsyms and ELF symbol tables are read once. */
export function liveSymbolizer(): LiveSymbolizer {
  shared ??= new LiveSymbolizer();
  return shared;
}
