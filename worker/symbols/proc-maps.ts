// /proc/PID/maps: which file backs which address range of a process.
import { readFileSync } from 'node:fs';

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  /** Offset in the file of the mapping's first byte. */
  offset: bigint;
  inode: number;
  /** Path as the process sees it; '' for anonymous memory, `[vdso]` etc. for special ones. */
  path: string;
}

/** Parses maps text (`7f94...-7f94... r-xp 00028000 fe:01 1234  /usr/lib/.../libc.so.6`). */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: BigInt(`0x${m[1] ?? '0'}`),
      end: BigInt(`0x${m[2] ?? '0'}`),
      perms: m[3] ?? '',
      offset: BigInt(`0x${m[4] ?? '0'}`),
      inode: Number(m[5]),
      path: (m[6] ?? '').trim(),
    });
  }
  return out;
}

/** The mappings of a live process, or undefined once it is gone (or unreadable). */
export function readMaps(pid: number): Mapping[] | undefined {
  try {
    return parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Executable mappings backed by a file: the only ones whose code has ELF symbols. */
export function codeMappings(maps: readonly Mapping[]): Mapping[] {
  return maps.filter((m) => m.perms.includes('x') && m.path.startsWith('/') && m.inode !== 0);
}
