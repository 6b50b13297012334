// Separate debug files: distributions strip binaries and ship their full symbol tables
// apart (Debian's *-dbg and *-dbgsym packages), found by GNU build id under
// /usr/lib/debug/.build-id/xx/yyyy.debug or by the `.gnu_debuglink` name. Their symbols
// carry the same virtual addresses as the stripped file; file offsets come from the
// stripped file's own program headers, because a debug file's sections hold no bytes.
//
// `.gnu_debugdata` (Fedora's xz-compressed "minidebuginfo") is not read: Debian does not
// use it, and decoding xz would need a decoder dependency.
import { dirname, join } from 'node:path';
import type { ElfSymbol } from '../compiler/host.js';
import { ElfFile, cString } from './elf.js';
import { isFile } from './ld-cache.js';

export const DEBUG_ROOT = '/usr/lib/debug';

/** Candidate debug file paths for an ELF file, most specific first. */
export function debugFileCandidates(elf: ElfFile, path: string, root = DEBUG_ROOT): string[] {
  const out: string[] = [];
  const id = elf.buildId();
  if (id !== undefined && id.length > 2) {
    out.push(join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  }
  const link = elf.section('.gnu_debuglink');
  if (link) {
    const name = cString(elf.sectionData(link), 0);
    if (name !== '') {
      const dir = dirname(path);
      out.push(join(root, dir, name), join(dir, '.debug', name), join(dir, name));
    }
  }
  return out;
}

/** The first debug file that exists and, when both have one, carries the same build id. */
export function findDebugFile(elf: ElfFile, path: string, root = DEBUG_ROOT): ElfFile | undefined {
  const id = elf.buildId();
  for (const candidate of debugFileCandidates(elf, path, root)) {
    if (candidate === path || !isFile(candidate)) continue;
    try {
      const debug = ElfFile.open(candidate);
      const debugId = debug.buildId();
      if (id !== undefined && debugId !== undefined && debugId !== id) continue;
      return debug;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * The file's own symbols merged with those of its debug file, sorted by address then
 * name; file offsets always through the stripped file's segments.
 */
export function symbolsWithDebugInfo(elf: ElfFile, path: string, root = DEBUG_ROOT): ElfSymbol[] {
  const own = elf.symbols();
  const debug = findDebugFile(elf, path, root);
  if (!debug) return own;
  const seen = new Set(own.map((s) => `${s.name}\0${s.address}`));
  const merged = [...own];
  for (const s of debug.symbols()) {
    const key = `${s.name}\0${s.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push({ ...s, fileOffset: elf.vaddrToOffset(s.address) ?? s.address });
  }
  merged.sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : a.name < b.name ? -1 : 1,
  );
  return merged;
}
