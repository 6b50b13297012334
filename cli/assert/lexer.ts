// Splits an assertion into tokens. Numbers carry their unit suffix (`500us`, `4K`) because a
// unit only ever follows a number directly; a space before it would make it a name.
import { unitBySuffix, type Unit } from './units.js';
import { AssertionSyntaxError } from './syntax-error.js';

export type Token =
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly unit: Unit | undefined;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'string';
      readonly value: string;
      readonly start: number;
      readonly end: number;
    }
  | { readonly kind: 'map'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'ident'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'punct'; readonly text: Punct; readonly start: number; readonly end: number }
  | { readonly kind: 'eof'; readonly start: number; readonly end: number };

const puncts = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '(',
  ')',
  '[',
  ']',
  ',',
  '+',
  '-',
  '*',
  '/',
  '%',
] as const;
export type Punct = (typeof puncts)[number];

const identStart = /[A-Za-z_]/;
const identPart = /[A-Za-z0-9_]/;

export function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)/.exec(source.slice(i));
      const digits = m?.[0] ?? c;
      i += digits.length;
      let suffix = '';
      while (i < source.length && identPart.test(source[i]!)) suffix += source[i++];
      let unit: Unit | undefined;
      if (suffix !== '') {
        unit = unitBySuffix(suffix);
        if (unit === undefined) {
          throw new AssertionSyntaxError(
            `unknown unit '${suffix}' (use ns, us, ms, s, K, M or G)`,
            source,
            start + digits.length,
          );
        }
      }
      const value = Number(digits);
      if (!Number.isFinite(value))
        throw new AssertionSyntaxError(`bad number '${digits}'`, source, start);
      tokens.push({ kind: 'number', value: value * (unit?.factor ?? 1), unit, start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let value = '';
      for (;;) {
        const d = source[i];
        if (d === undefined) throw new AssertionSyntaxError('unterminated string', source, start);
        i++;
        if (d === c) break;
        if (d === '\\') {
          const e = source[i++];
          if (e === undefined) throw new AssertionSyntaxError('unterminated string', source, start);
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else {
          value += d;
        }
      }
      tokens.push({ kind: 'string', value, start, end: i });
      continue;
    }
    if (c === '@') {
      i++;
      while (i < source.length && identPart.test(source[i]!)) i++;
      tokens.push({ kind: 'map', name: source.slice(start, i), start, end: i });
      continue;
    }
    if (identStart.test(c)) {
      while (i < source.length && identPart.test(source[i]!)) i++;
      tokens.push({ kind: 'ident', name: source.slice(start, i), start, end: i });
      continue;
    }
    const p = puncts.find((q) => source.startsWith(q, i));
    if (p === undefined)
      throw new AssertionSyntaxError(`unexpected character '${c}'`, source, start);
    i += p.length;
    tokens.push({ kind: 'punct', text: p, start, end: i });
  }
  tokens.push({ kind: 'eof', start: source.length, end: source.length });
  return tokens;
}
