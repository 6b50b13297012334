// Loading a program into the kernel and running it with BPF_PROG_TEST_RUN.
import koffi from 'koffi';
import { BpfError, VerifierError } from './errors.js';
import { libBpf, libC } from './lib.js';
import { kernelObjectName } from './map.js';
import { LAYOUT } from './layouts.js';

export interface LoadOptions {
  /** Name shown by `bpftool prog` (15 characters kept). Default: none. */
  name?: string;
  /** Default 'GPL': bpf_probe_read*, bpf_trace_printk and perf output are GPL-only helpers. */
  license?: string;
  /** Always ask for the verifier log (for -v), not only after a failure. Default false. */
  wantLog?: boolean;
  /** Initial log buffer size when a log is needed; it doubles while the kernel says ENOSPC. */
  logSize?: number;
  /** bpf_attach_type the program is verified for (uprobe_multi links need it). Default 0. */
  expectedAttachType?: number;
}

export interface LoadedProgram {
  fd: number;
  /** The verifier log when `wantLog` was set, else ''. */
  log: string;
}

const LOAD_OPTS_SIZE = LAYOUT.progLoadOpts.size;
const OFF_EXPECTED_ATTACH_TYPE = LAYOUT.progLoadOpts.expected_attach_type;
const OFF_LOG_LEVEL = LAYOUT.progLoadOpts.log_level;
const OFF_LOG_SIZE = LAYOUT.progLoadOpts.log_size;
const OFF_LOG_BUF = LAYOUT.progLoadOpts.log_buf;
const MAX_LOG_SIZE = 1 << 30; // the kernel refuses log_size above UINT32_MAX >> 2

const ENOSPC = 28;

function loadOpts(logBuf: Buffer | null, logLevel: number, expectedAttachType: number): Buffer {
  const opts = Buffer.alloc(LOAD_OPTS_SIZE);
  opts.writeBigUInt64LE(BigInt(LOAD_OPTS_SIZE), 0);
  opts.writeUInt32LE(expectedAttachType, OFF_EXPECTED_ATTACH_TYPE);
  if (logBuf) {
    opts.writeUInt32LE(logLevel, OFF_LOG_LEVEL);
    opts.writeUInt32LE(logBuf.length, OFF_LOG_SIZE);
    // koffi passes Buffers by address, but inside a struct we need the address itself.
    opts.writeBigUInt64LE(bufferAddress(logBuf), OFF_LOG_BUF);
  }
  return opts;
}

function bufferAddress(buf: Buffer): bigint {
  return koffi.address(buf);
}

function logText(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

/**
 * Loads a program: first without a log (fast, and what succeeds nearly always), then on
 * failure again with a log buffer that grows until the kernel's whole log fits.
 */
export function loadProgram(
  progType: number,
  insns: Buffer,
  options: LoadOptions = {},
): LoadedProgram {
  const lib = libBpf();
  const name = options.name !== undefined ? kernelObjectName(options.name) : null;
  const license = options.license ?? 'GPL';
  const count = insns.length / 8;
  const label = options.name ?? 'program';
  const attachType = options.expectedAttachType ?? 0;

  if (!options.wantLog) {
    const fd = lib.bpf_prog_load(
      progType,
      name,
      license,
      insns,
      count,
      loadOpts(null, 0, attachType),
    );
    if (fd >= 0) return { fd, log: '' };
    // EPERM/ENOMEM etc. would fail again; only verifier rejections need the log. The verifier
    // answers EACCES or EINVAL for most rejections, E2BIG past its instruction limit, and
    // EFAULT when a program's branches are too many to explore ("The sequence of 8193 jumps
    // is too complex.", a long bounded loop).
    if (fd !== -13 && fd !== -22 && fd !== -7 && fd !== -28 && fd !== -14) {
      throw new BpfError('bpf(BPF_PROG_LOAD)', -fd, label);
    }
  }

  let size = options.logSize ?? 1 << 16;
  for (;;) {
    const logBuf = Buffer.alloc(size);
    const fd = lib.bpf_prog_load(
      progType,
      name,
      license,
      insns,
      count,
      loadOpts(logBuf, options.wantLog ? 2 : 1, attachType),
    );
    const log = logText(logBuf);
    if (fd >= 0) return { fd, log };
    if (fd === -ENOSPC && size < MAX_LOG_SIZE) {
      size *= 4;
      continue;
    }
    if (log === '') throw new BpfError('bpf(BPF_PROG_LOAD)', -fd, label);
    throw new VerifierError(label, -fd, log);
  }
}

const TEST_RUN_OPTS_SIZE = LAYOUT.testRunOpts.size;
const OFF_RETVAL = LAYOUT.testRunOpts.retval;

/** Runs a program once with BPF_PROG_TEST_RUN (how BEGIN and END fire). Returns its r0. */
export function testRunProgram(fd: number): number {
  const opts = Buffer.alloc(TEST_RUN_OPTS_SIZE);
  opts.writeBigUInt64LE(BigInt(TEST_RUN_OPTS_SIZE), 0);
  const rc = libBpf().bpf_prog_test_run_opts(fd, opts);
  if (rc < 0) throw new BpfError('bpf(BPF_PROG_TEST_RUN)', -rc);
  return opts.readUInt32LE(OFF_RETVAL);
}

export function closeFd(fd: number): void {
  if (fd >= 0) libC().close(fd);
}
