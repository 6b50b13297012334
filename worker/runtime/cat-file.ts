// cat(path): the first BPFTRACE_CAT_BYTES_MAX bytes of a file, as bpftrace 0.17 reads them.
import { closeSync, openSync, readSync } from 'node:fs';
import { strerror } from '../output/errno-messages.js';

/** 0.17's default BPFTRACE_CAT_BYTES_MAX. */
export const CAT_BYTES_MAX = 10240;

/**
 * BPFTRACE_CAT_BYTES_MAX from an environment, read as 0.17's stoull does (leading digits:
 * `5x` is 5); undefined when unset or without digits (the compiler reports a bad value).
 */
export function catBytesMaxFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const m = /^\s*(\d+)/.exec(env.BPFTRACE_CAT_BYTES_MAX ?? '');
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export type CatResult = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/**
 * Up to `maxBytes` bytes from the start of the file, raw (no newline added, NULs kept).
 * On failure, 0.17's message: `failed to open file 'P': No such file or directory`, also when
 * the open works and the read fails (a directory: `Is a directory`).
 */
export function catFile(path: string, maxBytes: number): CatResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(Math.max(0, maxBytes));
    let got = 0;
    // /proc and pipes return short reads; stop at end of file or at the limit.
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return { ok: true, bytes: buf.subarray(0, got) };
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).errno;
    const reason = errno === undefined ? String((e as Error).message) : strerror(Math.abs(errno));
    return { ok: false, message: `failed to open file '${path}': ${reason}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
