// What a test group needs from the machine. Outside CI a missing need skips the test with
// its reason; under CI=true it fails, because CI here has root, a BPF kernel and Redis.
import { accessSync, constants, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export type Need = 'root' | 'bpf' | 'tracefs' | 'redis-server' | 'bpftrace' | 'cc';

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function missing(need: Need): string | undefined {
  switch (need) {
    case 'root':
      return process.getuid?.() === 0 ? undefined : 'needs root';
    case 'bpf':
      return existsSync('/sys/kernel/btf/vmlinux') && process.getuid?.() === 0
        ? undefined
        : 'needs root and a BPF-capable kernel';
    case 'tracefs':
      try {
        accessSync('/sys/kernel/tracing/available_events', constants.R_OK);
        return undefined;
      } catch {
        return 'needs tracefs mounted at /sys/kernel/tracing (make setup mounts it)';
      }
    case 'redis-server':
      return commandExists('redis-server') ? undefined : 'needs redis-server (make setup)';
    case 'bpftrace':
      return commandExists('bpftrace') ? undefined : 'needs bpftrace 0.17 (make setup)';
    case 'cc':
      return commandExists('cc') ? undefined : 'needs a C compiler (make setup)';
  }
}

/**
 * Returns the `skip` option for a node:test suite or test. Under CI=true a missing need
 * throws instead, so the file fails loudly rather than skipping.
 */
export function needs(...list: Need[]): { skip: string | false } {
  const reasons = list.map(missing).filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return { skip: false };
  const reason = reasons.join('; ');
  if (process.env['CI'] === 'true') {
    throw new Error(`test requirement missing under CI=true: ${reason}`);
  }
  return { skip: reason };
}
