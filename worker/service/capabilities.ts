// The Linux capabilities a tracing worker needs, checked once at start-up so that a worker
// started with too few (a container without cap_add, capsh without ambient capabilities)
// stops at once with the names of what it lacks, instead of failing every job later with a
// bare EPERM. docker/docker-compose.yml grants this list but CAP_SYS_ADMIN (an override file
// for kernels without uprobe_multi links) and CAP_SYS_RESOURCE (a memlock ulimit instead);
// docs/deploy.md explains each.
import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { uprobeMultiSupported } from '../libbpf/uprobe-multi.js';

export interface CapabilityNeed {
  /** As the kernel's uapi header names it. */
  readonly name: string;
  /** Bit number in /proc/PID/status Cap* masks (linux/capability.h). */
  readonly bit: number;
  readonly why: string;
}

const CAP_SYS_ADMIN = 21;

export const WORKER_CAPABILITIES = {
  bpf: { name: 'CAP_BPF', bit: 39, why: 'create BPF maps and load programs' },
  perfmon: {
    name: 'CAP_PERFMON',
    bit: 38,
    why: 'open perf events (tracepoints, uprobes, USDT, profile) and load tracing programs',
  },
  dacReadSearch: {
    name: 'CAP_DAC_READ_SEARCH',
    bit: 2,
    why: 'read tracefs (mode 0700, root) and binaries owned by other users',
  },
  sysPtrace: {
    name: 'CAP_SYS_PTRACE',
    bit: 19,
    why: "trace another user's process by pid (/proc/PID/maps, /proc/PID/root)",
  },
  syslog: {
    name: 'CAP_SYSLOG',
    bit: 34,
    why: 'read kernel symbol addresses (/proc/kallsyms) for kstack and ksym()',
  },
  sysAdmin: {
    name: 'CAP_SYS_ADMIN',
    bit: 21,
    why: 'attach uprobes or USDT probes: this kernel has no uprobe_multi links (6.6+), and its uprobe PMU may refuse CAP_PERFMON alone',
  },
  sysResource: {
    name: 'CAP_SYS_RESOURCE',
    bit: 24,
    why: 'raise RLIMIT_MEMLOCK, which kernels before 5.11 charge BPF memory to (an unlimited memlock ulimit, as the compose file sets, does instead)',
  },
} as const satisfies Record<string, CapabilityNeed>;

export interface CapabilityFacts {
  /** CapEff of this process. */
  readonly effective: bigint;
  /** Kernel release, e.g. "6.1.0-13-amd64". */
  readonly kernel: string;
  /** Whether tracefs' events directory could be listed. */
  readonly tracefsReadable: boolean;
  /** Whether uprobes attach by uprobe_multi link (kernel 6.6+), which needs no CAP_SYS_ADMIN. */
  readonly uprobeLinks: boolean;
  /** Whether RLIMIT_MEMLOCK is already unlimited (`ulimits: memlock: -1` in compose). */
  readonly memlockUnlimited: boolean;
}

export interface CapabilityReport {
  /** Without these the worker cannot run any job: it must not start. */
  readonly missing: readonly CapabilityNeed[];
  /** Without these some jobs fail or lose detail: the worker starts and says so. */
  readonly degraded: readonly CapabilityNeed[];
}

export function checkWorkerCapabilities(facts: CapabilityFacts): CapabilityReport {
  const has = (bit: number): boolean => (facts.effective & (1n << BigInt(bit))) !== 0n;
  // Before 5.8 there is no CAP_BPF or CAP_PERFMON; CAP_SYS_ADMIN covers both, on any kernel.
  const admin = has(CAP_SYS_ADMIN);
  const missing: CapabilityNeed[] = [];
  const degraded: CapabilityNeed[] = [];
  const c = WORKER_CAPABILITIES;
  if (!admin && !has(c.bpf.bit)) missing.push(c.bpf);
  if (!admin && !has(c.perfmon.bit)) missing.push(c.perfmon);
  if (!facts.tracefsReadable && !has(c.dacReadSearch.bit)) missing.push(c.dacReadSearch);
  if (!has(c.sysPtrace.bit)) degraded.push(c.sysPtrace);
  if (!has(c.syslog.bit)) degraded.push(c.syslog);
  if (!admin && !facts.uprobeLinks) degraded.push(c.sysAdmin);
  if (kernelBefore(facts.kernel, 5, 11) && !facts.memlockUnlimited && !has(c.sysResource.bit))
    missing.push(c.sysResource);
  return { missing, degraded };
}

export function kernelBefore(kernel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj < major || (maj === major && min < minor);
}

/** The facts of this process and machine. */
export function capabilityFacts(tracefs = '/sys/kernel/tracing'): CapabilityFacts {
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  let tracefsReadable = true;
  try {
    readdirSync(`${tracefs}/events`);
  } catch (err) {
    // Only a permission problem is ours to name; a missing tracefs is reported elsewhere.
    tracefsReadable = (err as NodeJS.ErrnoException).code !== 'EACCES';
  }
  const limits = readFileSync('/proc/self/limits', 'utf8');
  return {
    effective: BigInt(`0x${hex}`),
    kernel: release(),
    tracefsReadable,
    uprobeLinks: uprobeMultiSupported(),
    memlockUnlimited: /^Max locked memory\s+unlimited\s+unlimited/m.test(limits),
  };
}

/** A person's explanation of a report, one capability per line. */
export function describeCapabilities(report: CapabilityReport): string {
  const lines: string[] = [];
  if (report.missing.length > 0) {
    lines.push(
      `missing ${report.missing.map((n) => n.name).join(', ')}; the worker cannot trace without:`,
    );
    for (const n of report.missing) lines.push(`  ${n.name}: ${n.why}`);
  }
  for (const n of report.degraded) lines.push(`without ${n.name} jobs cannot ${n.why}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
