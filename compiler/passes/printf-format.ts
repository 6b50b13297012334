// printf-style format strings as bpftrace 0.17 accepts them: `%[flags][width][.precision]
// [length]conversion`, with `%r`, `%rx`, `%rh` for buffers and `%%` for a percent sign.
// 0.17 silently ignores what it does not recognise (`%i`, `%+d`); bpfq reports it instead.

export interface FormatSpecifier {
  /** The whole specifier as written, `%-10s`. */
  text: string;
  /** The conversion: `d`, `s`, `rx`, ... */
  conversion: string;
  /** What the argument must be. */
  wants: 'integer' | 'string' | 'buffer';
}

// 0.17's conversions: no `%i`, and only the `-` and `0` flags.
const SPEC = /%(?:%|([-0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z|j)?(rx|rh|[duoxXcspr])?)/g;

export function parseFormat(fmt: string): { specs: FormatSpecifier[] } | { error: string } {
  const specs: FormatSpecifier[] = [];
  for (const m of fmt.matchAll(SPEC)) {
    if (m[0] === '%%') continue;
    const conversion = m[5];
    if (conversion === undefined) {
      const next = fmt.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 1);
      return { error: `${m[0].slice(1)}${next}` };
    }
    const wants =
      conversion === 's'
        ? 'string'
        : conversion === 'r' || conversion === 'rx' || conversion === 'rh'
          ? 'buffer'
          : 'integer';
    specs.push({ text: m[0], conversion, wants });
  }
  return { specs };
}
