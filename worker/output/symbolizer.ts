// What the output decoder needs from the host to name addresses: kernel symbols from
// /proc/kallsyms, user symbols from /proc/PID/maps and the ELF files. Implemented in
// worker/symbols/; called at decode time, while the traced processes still live.

export interface ResolvedSymbol {
  name: string;
  /** Offset of the address from the symbol's start. */
  offset: bigint;
}

export interface ResolvedUserSymbol extends ResolvedSymbol {
  /** Path of the mapped file holding the symbol (perf-style stacks print it in parentheses). */
  module: string;
}

export interface Symbolizer {
  /** The kernel symbol containing addr, or undefined when none does. */
  kernel(addr: bigint): ResolvedSymbol | undefined;
  /** The symbol of process pid containing addr, or undefined (unknown, or the process is gone). */
  user(pid: number, addr: bigint): ResolvedUserSymbol | undefined;
}

/** A symbolizer that knows nothing: every address prints as hex, as 0.17 does when lookup fails. */
export const noSymbols: Symbolizer = {
  kernel: () => undefined,
  user: () => undefined,
};
