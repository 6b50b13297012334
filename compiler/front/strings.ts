// String literals hold bytes, as in the program text bpftrace reads: a character of the
// source takes its UTF-8 length, and an escape (`\xff`, `\377`) gives exactly one byte.
// A literal's value is a JS string; an escaped byte of 0x80 or more, which UTF-8 text
// cannot hold on its own, is kept as a lone low surrogate U+DC80..U+DCFF (Python's
// "surrogateescape"), so text and raw bytes share one string without ambiguity.

const ESCAPE_BASE = 0xdc00;

/** The character that stands for byte `b` written as an escape in a literal. */
export function escapedByte(b: number): string {
  return String.fromCharCode(b < 0x80 ? b : ESCAPE_BASE + b);
}

function escapeByteOf(cp: number): number | undefined {
  return cp >= ESCAPE_BASE + 0x80 && cp <= ESCAPE_BASE + 0xff ? cp - ESCAPE_BASE : undefined;
}

export function stringByteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (escapeByteOf(cp) !== undefined) n += 1;
    else n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** The bytes of a literal, the way the program will store it (without the NUL). */
export function stringBytes(s: string): Uint8Array {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (const ch of s) {
    const b = escapeByteOf(ch.codePointAt(0) ?? 0);
    if (b !== undefined) out.push(b);
    else out.push(...utf8.encode(ch));
  }
  return Uint8Array.from(out);
}

/** The first `max` bytes of `s`; a character cut in the middle keeps its leading bytes. */
export function truncateBytes(s: string, max: number): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    const bytes = stringBytes(ch);
    if (n + bytes.length > max) {
      for (const b of bytes.subarray(0, max - n)) out += escapedByte(b);
      break;
    }
    out += ch;
    n += bytes.length;
  }
  return out;
}
