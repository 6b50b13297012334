// Library lookup as the dynamic linker does it: /etc/ld.so.cache first (glibc's
// "glibc-ld.so.cache1.1" format, written by ldconfig), then the usual directories. A pid
// narrows the search to what that process has mapped (/proc/PID/maps).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cString } from './elf.js';

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
// Header: magic (20), nlibs, len_strings, flags (u8 + 3 pad), extension offset, 3 unused.
const NEW_HEADER = 48;
const NEW_ENTRY = 24;
const OLD_ENTRY = 12;

// ldconfig's entry flags: FLAG_ELF_LIBC6 in the type bits, FLAG_X8664_LIB64 in the
// architecture bits. Only 64-bit x86 libraries can be traced by this (x86-64) tool.
const FLAG_TYPE_MASK = 0x00ff;
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_ARCH_MASK = 0xff00;
const FLAG_X8664_LIB64 = 0x0300;

export interface LdCacheEntry {
  /** The soname, e.g. `libc.so.6`. */
  name: string;
  path: string;
  flags: number;
}

export class LdCacheError extends Error {}

/** Parses an ld.so.cache image (new format, possibly behind the old-format compat part). */
export function parseLdCache(buf: Buffer): LdCacheEntry[] {
  let start = 0;
  if (buf.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    // The old format (a 12-byte magic, nlibs, 12-byte entries) comes first; the new
    // table follows it at the next 8-byte boundary.
    const nlibs = buf.readUInt32LE(12);
    start = (16 + nlibs * OLD_ENTRY + 7) & ~7;
  }
  if (buf.toString('latin1', start, start + NEW_MAGIC.length) !== NEW_MAGIC) {
    throw new LdCacheError('not an ld.so.cache file (unknown magic)');
  }
  const nlibs = buf.readUInt32LE(start + 20);
  const entries: LdCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const p = start + NEW_HEADER + i * NEW_ENTRY;
    if (p + NEW_ENTRY > buf.length) break;
    const flags = buf.readInt32LE(p);
    // In the new format string offsets count from the start of the new-format header.
    const key = buf.readUInt32LE(p + 4);
    const value = buf.readUInt32LE(p + 8);
    entries.push({ flags, name: cString(buf, start + key), path: cString(buf, start + value) });
  }
  return entries;
}

function isNativeLib(flags: number): boolean {
  return (
    (flags & FLAG_TYPE_MASK) === FLAG_ELF_LIBC6 && (flags & FLAG_ARCH_MASK) === FLAG_X8664_LIB64
  );
}

/**
 * True when a cache or directory entry named `soname` answers a request for `lib`:
 * `libc.so.6` exactly, or `libc` as bpftrace writes it (matching `libc.so*`).
 */
export function sonameMatches(lib: string, soname: string): boolean {
  if (soname === lib) return true;
  return !lib.includes('.so') && soname.startsWith(`${lib}.so`);
}

export const LIBRARY_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
  '/usr/local/lib',
];

export class LdCache {
  private entries: LdCacheEntry[] | undefined;

  constructor(private readonly cachePath = '/etc/ld.so.cache') {}

  list(): LdCacheEntry[] {
    if (this.entries === undefined) {
      try {
        this.entries = parseLdCache(readFileSync(this.cachePath));
      } catch {
        this.entries = [];
      }
    }
    return this.entries;
  }

  /** The path ldconfig recorded for a library (`libc`, `libc.so.6`), or undefined. */
  lookup(lib: string): string | undefined {
    // The cache is sorted by ldconfig so that the preferred version comes first.
    return this.list().find((e) => isNativeLib(e.flags) && sonameMatches(lib, e.name))?.path;
  }
}

/** The first file in the usual library directories answering `lib`. */
export function searchLibraryDirs(
  lib: string,
  dirs: readonly string[] = LIBRARY_DIRS,
): string | undefined {
  for (const dir of dirs) {
    const exact = join(dir, lib);
    if (isFile(exact)) return exact;
    if (!lib.includes('.so')) {
      const plain = join(dir, `${lib}.so`);
      if (isFile(plain)) return plain;
    }
  }
  return undefined;
}

/** The mapped file of process pid whose name answers `lib` (from /proc/PID/maps). */
export function searchProcessMaps(lib: string, pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const path = line.split(/\s+/).slice(5).join(' ');
    if (!path.startsWith('/')) continue;
    const base = path.slice(path.lastIndexOf('/') + 1);
    // The process may live in another mount namespace: its root shows the file it sees.
    if (sonameMatches(lib, base)) return isFile(path) ? path : `/proc/${pid}/root${path}`;
  }
  return undefined;
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
