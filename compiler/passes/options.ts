// What check() needs to know beyond the program text and the host.

export interface CheckOptions {
  /** Positional parameters `$1..$N` as given after the program. Default: none. */
  params?: string[];
  /** `-p PID`: where USDT probes and libraries are looked up. Default: none. */
  pid?: number;
  /** `--unsafe`: allows system(), signal(), override(). Default: false. */
  unsafe?: boolean;
  /** `-c CMD` given: cpid is available. Default: false. */
  hasChild?: boolean;
}

/** Settings from the environment, as bpftrace 0.17 reads them (defaults in comments). */
export interface FrontConfig {
  /** BPFTRACE_STRLEN: 64, at most 200. */
  strlen: number;
  /** BPFTRACE_MAP_KEYS_MAX: 4096. */
  mapKeysMax: number;
  /** BPFTRACE_PERF_RB_PAGES: 64. */
  perfRbPages: number;
  /** BPFTRACE_MAX_PROBES: 512. */
  maxProbes: number;
  /** BPFTRACE_CAT_BYTES_MAX: 10240. */
  catBytesMax: number;
}

export const STRLEN_MAX = 200;
