// printf-style format strings as bpftrace 0.17 accepts them: `%[-][width][.precision]
// [length]conversion`, with `%r`, `%rx`, `%rh` for buffers.
//
// 0.17 counts arguments with a pattern tried at every `%`, so the `%d` inside `%%d` is an
// argument too (printf("%%d %d\n", 1, 2) prints `%d 2`), and a `%` that does not start a
// conversion (`%%`, `%5%`) takes none. bpfq counts the same way. 0.17 also silently ignores
// what it does not recognise (`%i`, `%+d`); bpfq reports those instead: a second scan reads
// the format as C's printf does and rejects a conversion 0.17 would not have passed on.

export interface FormatSpecifier {
  /** The whole specifier as written, `%-10s`. */
  text: string;
  /** The conversion: `d`, `s`, `rx`, ... */
  conversion: string;
  /** What the argument must be. */
  wants: 'integer' | 'string' | 'buffer';
}

/** 0.17's argument pattern: length modifiers only on integer conversions. */
const ARGUMENT = /%-?\d*(?:\.\d+)?(rx|rh|r|s|c|(?:hh|h|ll|l|j|z|t)?[duoxXp])/g;

/** A conversion as C's printf reads it; `%` (with any flags or width) is a literal percent. */
const C_CONVERSION = /%([-0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z|j|t)?(rx|rh|[duoxXcspr%])?/g;

export function parseFormat(fmt: string): { specs: FormatSpecifier[] } | { error: string } {
  for (const m of fmt.matchAll(C_CONVERSION)) {
    if (m[5] !== undefined) continue;
    const end = m.index + m[0].length;
    return { error: `${m[0].slice(1)}${fmt.slice(end, end + 1)}` };
  }
  const specs: FormatSpecifier[] = [];
  for (let i = fmt.indexOf('%'); i >= 0; i = fmt.indexOf('%', i + 1)) {
    ARGUMENT.lastIndex = i;
    const m = ARGUMENT.exec(fmt);
    if (m === null || m.index !== i) continue;
    const conversion = m[1] ?? '';
    const wants =
      conversion === 's'
        ? 'string'
        : conversion === 'r' || conversion === 'rx' || conversion === 'rh'
          ? 'buffer'
          : 'integer';
    specs.push({ text: m[0], conversion, wants });
    i += m[0].length - 1;
  }
  return { specs };
}
