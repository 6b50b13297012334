// String literals hold bytes: escapes (`\xff`, `\377`) give one byte each, other characters
// take their UTF-8 length, as they do in the program text bpftrace reads.

export function stringByteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x100 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** The bytes of a literal, the way the program will store it (without the NUL). */
export function stringBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x100) out.push(cp);
    else out.push(...new TextEncoder().encode(ch));
  }
  return Uint8Array.from(out);
}
