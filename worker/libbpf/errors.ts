// The errors the runtime raises from kernel calls. Each keeps what a user needs to act:
// the errno, the kernel's verifier log, or the name of the missing kernel feature.
import { constants } from 'node:os';

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** `strerror`-like text for an errno, as the C library would print it. */
export function errnoMessage(errno: number): string {
  const messages: Record<string, string> = {
    EPERM: 'Operation not permitted',
    ENOENT: 'No such file or directory',
    ESRCH: 'No such process',
    EINTR: 'Interrupted system call',
    E2BIG: 'Argument list too long',
    EBADF: 'Bad file descriptor',
    EAGAIN: 'Resource temporarily unavailable',
    ENOMEM: 'Cannot allocate memory',
    EACCES: 'Permission denied',
    EFAULT: 'Bad address',
    EBUSY: 'Device or resource busy',
    EEXIST: 'File exists',
    ENODEV: 'No such device',
    EINVAL: 'Invalid argument',
    ENOSPC: 'No space left on device',
    ERANGE: 'Numerical result out of range',
    ENOSYS: 'Function not implemented',
    EOPNOTSUPP: 'Operation not supported',
    ENOTSUP: 'Operation not supported',
  };
  const name = errnoNames.get(errno);
  return (name !== undefined ? messages[name] : undefined) ?? `errno ${errno}`;
}

/** A kernel call failed with an errno (`bpf(BPF_MAP_CREATE)`, `perf_event_open`, ...). */
export class BpfError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    detail?: string,
  ) {
    super(
      `${call}: ${detail !== undefined ? `${detail}: ` : ''}${errnoMessage(errno)} (${-errno})`,
    );
    this.name = 'BpfError';
  }

  get code(): string | undefined {
    return errnoNames.get(this.errno);
  }
}

/** The kernel has no support for something the program needs (kprobes here, a PMU, ...). */
export class NotSupportedError extends Error {
  constructor(readonly feature: string) {
    super(feature);
    this.name = 'NotSupportedError';
  }
}

/**
 * The verifier rejected a program. `log` is the kernel's whole log; the message shows only its
 * last meaningful lines (the rejection reason is at the end, the state dump before it is noise).
 */
export class VerifierError extends Error {
  constructor(
    readonly program: string,
    readonly errno: number,
    readonly log: string,
    /** Extra context the loader adds: the failing instruction and the source line. */
    readonly context: string[] = [],
  ) {
    super(VerifierError.summarise(program, errno, log, context));
    this.name = 'VerifierError';
  }

  /** The last lines of the log that say something (not the processed-insns statistics). */
  static lastLines(log: string, count = 4): string[] {
    const lines = log
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '' && !/^processed \d+ insns/.test(l) && !/^verification time/.test(l))
      .filter((l) => !/^stack depth /.test(l));
    return lines.slice(-count);
  }

  private static summarise(program: string, errno: number, log: string, context: string[]): string {
    const tail = VerifierError.lastLines(log);
    const head = `the kernel's verifier rejected ${program}: ${errnoMessage(errno)} (${-errno})`;
    return [head, ...tail.map((l) => `  ${l}`), ...context].join('\n');
  }
}
