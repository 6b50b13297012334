// A reader for 64-bit little-endian ELF files (x86-64): section and program headers,
// symbol tables, notes. Files are read piecewise through a ByteSource, so listing the
// symbols of a large binary does not pull its whole text into memory.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { ElfSymbol } from '../compiler/host.js';

export class ElfError extends Error {}

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length)),
  };
}

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const PT_LOAD = 1;
const SHF_COMPRESSED = 0x800n;
const ELFCOMPRESS_ZLIB = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;
const NT_GNU_BUILD_ID = 3;

export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

/** A symbol table entry as stored. */
export interface RawElfSymbol {
  name: string;
  /** STT_* */
  type: number;
  /** Section index; 0 (SHN_UNDEF) for imports. */
  shndx: number;
  value: bigint;
  size: bigint;
}

/** Functions (including GNU indirect functions) and data objects; the rest is 'other'. */
export function symbolKind(stt: number): ElfSymbol['kind'] {
  if (stt === STT_FUNC || stt === STT_GNU_IFUNC) return 'func';
  if (stt === STT_OBJECT) return 'object';
  return 'other';
}

export interface ElfNote {
  owner: string;
  type: number;
  desc: Buffer;
}

export class ElfFile {
  readonly type: number;
  readonly machine: number;
  readonly sections: ElfSection[];
  readonly segments: ElfSegment[];
  private symbolsCache: ElfSymbol[] | undefined;
  private rawCache: RawElfSymbol[] | undefined;

  constructor(private readonly src: ByteSource) {
    const ident = src.read(0, 64);
    if (ident.length < 64 || ident.readUInt32BE(0) !== 0x7f454c46) {
      throw new ElfError('not an ELF file');
    }
    if (ident[4] !== 2 || ident[5] !== 1) {
      throw new ElfError('only 64-bit little-endian ELF files are supported');
    }
    this.type = ident.readUInt16LE(16);
    this.machine = ident.readUInt16LE(18);
    const phoff = Number(ident.readBigUInt64LE(32));
    const shoff = Number(ident.readBigUInt64LE(40));
    const phentsize = ident.readUInt16LE(54);
    const phnum = ident.readUInt16LE(56);
    const shentsize = ident.readUInt16LE(58);
    let shnum = ident.readUInt16LE(60);
    let shstrndx = ident.readUInt16LE(62);

    this.segments = [];
    if (phoff !== 0 && phentsize >= 56) {
      const table = src.read(phoff, phnum * phentsize);
      for (let i = 0; i + 1 <= phnum && (i + 1) * phentsize <= table.length; i++) {
        const p = i * phentsize;
        this.segments.push({
          type: table.readUInt32LE(p),
          flags: table.readUInt32LE(p + 4),
          offset: table.readBigUInt64LE(p + 8),
          vaddr: table.readBigUInt64LE(p + 16),
          filesz: table.readBigUInt64LE(p + 32),
          memsz: table.readBigUInt64LE(p + 40),
        });
      }
    }

    this.sections = [];
    if (shoff !== 0 && shentsize >= 64) {
      // More than 0xff00 sections: the real count and string index live in section 0.
      const first = src.read(shoff, 64);
      if (shnum === 0 && first.length === 64) shnum = Number(first.readBigUInt64LE(32));
      if (shstrndx === 0xffff && first.length === 64) shstrndx = first.readUInt32LE(40);
      const table = src.read(shoff, shnum * shentsize);
      const raw: (ElfSection & { nameOff: number })[] = [];
      for (let i = 0; (i + 1) * shentsize <= table.length && i < shnum; i++) {
        const s = i * shentsize;
        raw.push({
          nameOff: table.readUInt32LE(s),
          name: '',
          type: table.readUInt32LE(s + 4),
          flags: table.readBigUInt64LE(s + 8),
          addr: table.readBigUInt64LE(s + 16),
          offset: Number(table.readBigUInt64LE(s + 24)),
          size: Number(table.readBigUInt64LE(s + 32)),
          link: table.readUInt32LE(s + 40),
          entsize: Number(table.readBigUInt64LE(s + 56)),
        });
      }
      const strtab = raw[shstrndx];
      const names = strtab ? src.read(strtab.offset, strtab.size) : Buffer.alloc(0);
      for (const { nameOff, ...sec } of raw) {
        this.sections.push({ ...sec, name: cString(names, nameOff) });
      }
    }
  }

  static open(path: string): ElfFile {
    return new ElfFile(fileBytes(path));
  }

  /** Position independent: shared objects and PIE executables (symbols are offsets from the load base). */
  get isDynamic(): boolean {
    return this.type === ET_DYN;
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /**
   * A section's bytes, inflated when the section is SHF_COMPRESSED (Debian compresses the
   * .debug_* sections of its debug files with zlib behind an Elf64_Chdr).
   */
  sectionData(sec: ElfSection): Buffer {
    if (sec.type === SHT_NOBITS) return Buffer.alloc(0);
    const raw = this.src.read(sec.offset, sec.size);
    if ((sec.flags & SHF_COMPRESSED) === 0n) return raw;
    if (raw.length < 24) throw new ElfError(`section ${sec.name}: truncated compression header`);
    const chType = raw.readUInt32LE(0);
    if (chType !== ELFCOMPRESS_ZLIB) {
      throw new ElfError(`section ${sec.name}: unsupported compression type ${chType}`);
    }
    return inflateSync(raw.subarray(24));
  }

  /**
   * The file offset of a virtual address, through the PT_LOAD segment that maps it; this
   * is what the kernel's uprobe API takes. Undefined when no loaded segment holds it.
   */
  vaddrToOffset(vaddr: bigint): bigint | undefined {
    for (const seg of this.segments) {
      if (seg.type !== PT_LOAD) continue;
      if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz)
        return vaddr - seg.vaddr + seg.offset;
    }
    return undefined;
  }

  /** The inverse of vaddrToOffset. */
  offsetToVaddr(offset: bigint): bigint | undefined {
    for (const seg of this.segments) {
      if (seg.type !== PT_LOAD) continue;
      if (offset >= seg.offset && offset < seg.offset + seg.filesz)
        return offset - seg.offset + seg.vaddr;
    }
    return undefined;
  }

  /**
   * Every entry of .dynsym and .symtab (the null entry excepted), in section order and
   * table order, names as written (`quick_exit@@GLIBC_2.24` included).
   */
  rawSymbols(): RawElfSymbol[] {
    if (this.rawCache) return this.rawCache;
    const out: RawElfSymbol[] = [];
    for (const sec of this.sections) {
      if (sec.type !== SHT_SYMTAB && sec.type !== SHT_DYNSYM) continue;
      const strsec = this.sections[sec.link];
      if (!strsec) continue;
      const data = this.sectionData(sec);
      const strings = this.sectionData(strsec);
      const entsize = sec.entsize || 24;
      for (let p = entsize; p + 24 <= data.length; p += entsize) {
        out.push({
          name: cString(strings, data.readUInt32LE(p)),
          type: (data[p + 4] ?? 0) & 0xf,
          shndx: data.readUInt16LE(p + 6),
          value: data.readBigUInt64LE(p + 8),
          size: data.readBigUInt64LE(p + 16),
        });
      }
    }
    this.rawCache = out;
    return out;
  }

  /**
   * Defined functions and objects of .symtab and .dynsym, sorted by address then name,
   * duplicates (the same name and address in both tables) removed. Names keep their
   * version (`quick_exit@@GLIBC_2.24`), as bpftrace lists them.
   */
  symbols(): ElfSymbol[] {
    if (this.symbolsCache) return this.symbolsCache;
    const seen = new Set<string>();
    const out: ElfSymbol[] = [];
    for (const sym of this.rawSymbols()) {
      if (sym.shndx === SHN_UNDEF || sym.name === '') continue;
      const kind = symbolKind(sym.type);
      if (kind === 'other') continue;
      const key = `${sym.name}\0${sym.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        name: sym.name,
        address: sym.value,
        size: sym.size,
        fileOffset: this.vaddrToOffset(sym.value) ?? sym.value,
        kind,
      });
    }
    out.sort((a, b) =>
      a.address < b.address ? -1 : a.address > b.address ? 1 : a.name < b.name ? -1 : 1,
    );
    this.symbolsCache = out;
    return out;
  }

  /** Every note of every SHT_NOTE section (and PT_NOTE-only files have none here). */
  notes(sectionName?: string): ElfNote[] {
    const out: ElfNote[] = [];
    for (const sec of this.sections) {
      if (sec.type !== SHT_NOTE) continue;
      if (sectionName !== undefined && sec.name !== sectionName) continue;
      out.push(...parseNotes(this.sectionData(sec)));
    }
    return out;
  }

  /** The GNU build id as lowercase hex, or undefined. */
  buildId(): string | undefined {
    const note = this.notes().find((n) => n.owner === 'GNU' && n.type === NT_GNU_BUILD_ID);
    return note?.desc.toString('hex');
  }
}

/** Splits an SHT_NOTE section into notes (namesz, descsz, type, name, desc; 4-byte aligned). */
export function parseNotes(data: Buffer): ElfNote[] {
  const out: ElfNote[] = [];
  let p = 0;
  while (p + 12 <= data.length) {
    const namesz = data.readUInt32LE(p);
    const descsz = data.readUInt32LE(p + 4);
    const type = data.readUInt32LE(p + 8);
    const nameStart = p + 12;
    const descStart = nameStart + align4(namesz);
    if (descStart + descsz > data.length) break;
    out.push({
      owner: data.toString('latin1', nameStart, nameStart + Math.max(0, namesz - 1)),
      type,
      desc: data.subarray(descStart, descStart + descsz),
    });
    p = descStart + align4(descsz);
  }
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

export function cString(buf: Buffer, offset: number): string {
  if (offset >= buf.length) return '';
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 ? buf.length : end);
}

/**
 * A ByteSource over a file: each read is a positional read, so only the header tables and
 * the sections asked for leave the disk.
 */
export function fileBytes(path: string): ByteSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    // Small files are read once; large ones stay on disk and are read piece by piece.
    if (size <= 8 * 1024 * 1024) {
      const buf = Buffer.alloc(size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, buf, done, size - done, done);
        if (n === 0) break;
        done += n;
      }
      return bufferSource(buf.subarray(0, done));
    }
    return fileSource(path, size);
  } finally {
    closeSync(fd);
  }
}

function fileSource(path: string, size: number): ByteSource {
  return {
    size,
    read(offset, length) {
      const len = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(len);
      if (len === 0) return buf;
      const fd = openSync(path, 'r');
      try {
        let done = 0;
        while (done < len) {
          const n = readSync(fd, buf, done, len - done, offset + done);
          if (n === 0) break;
          done += n;
        }
        return buf.subarray(0, done);
      } finally {
        closeSync(fd);
      }
    },
  };
}
