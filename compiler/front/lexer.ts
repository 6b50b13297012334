// Tokens of the bpftrace 0.17 language. The parser pulls tokens one at a time because
// attach points have their own lexical rules (`uprobe:/bin/bash:readline+8`, `t:sched:*`),
// which the parser asks for with scanAttachPoint().
import type { Diagnostic } from '../diagnostics.js';
import { diagnostic } from '../diagnostics.js';
import type { Span } from './ast.js';
import { escapedByte } from './strings.js';

export type TokenKind =
  | 'ident'
  | 'map' // @name or @
  | 'var' // $name
  | 'param' // $1..$N
  | 'paramCount' // $#
  | 'int'
  | 'string'
  | 'punct'
  | 'preprocessor' // a whole `#...` line
  | 'attachPoint'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text (for punct: the operator; for string: the raw text with quotes). */
  text: string;
  span: Span;
  /** int: the value; string: the decoded value. */
  int?: bigint;
  str?: string;
}

// Longest first so that `<<=` wins over `<<` and `<`.
const PUNCTUATORS = [
  '<<=',
  '>>=',
  '->',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<<',
  '>>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '!',
  '~',
  '<',
  '>',
  '=',
  '?',
  ':',
  ';',
  ',',
  '.',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
];

const MAX_U64 = (1n << 64n) - 1n;

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}
function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Characters an attach point may contain besides letters and digits. */
const ATTACH_CHARS = new Set([
  '_',
  '-',
  '.',
  '/',
  '*',
  ':',
  '+',
  '#',
  '@',
  '?',
  '[',
  ']',
  '$',
  '"',
]);

export class Lexer {
  private pos = 0;
  private line = 1;
  private col = 1;
  /** Lexical errors; the parser stops at the first one it sees. */
  readonly errors: Diagnostic[] = [];
  /**
   * The last token or block comment when nothing has followed it yet; undefined after blanks.
   * bpftrace's lexer reports the end of the input there (its location is not stepped past a
   * token, only past blanks and newlines), so an unexpected end of file points at the last
   * token, or at an empty span after trailing blanks.
   */
  private lastLexeme: Span | undefined;

  constructor(
    private readonly text: string,
    /** Start position, for lexing a fragment (a #define body) with the right spans. */
    start?: { line: number; column: number },
  ) {
    if (start) {
      this.line = start.line;
      this.col = start.column;
    }
  }

  private peekChar(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  private advance(): string {
    const c = this.text[this.pos++] ?? '';
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return c;
  }

  private mark(): { line: number; column: number; pos: number } {
    return { line: this.line, column: this.col, pos: this.pos };
  }

  private spanFrom(m: { line: number; column: number }): Span {
    return { line: m.line, column: m.column, endLine: this.line, endColumn: this.col };
  }

  /** Skips blanks and comments. */
  private skipTrivia(): void {
    for (;;) {
      const c = this.peekChar();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.advance();
        this.lastLexeme = undefined;
      } else if (c === '/' && this.peekChar(1) === '/') {
        while (this.pos < this.text.length && this.peekChar() !== '\n') this.advance();
        this.lastLexeme = undefined;
      } else if (c === '/' && this.peekChar(1) === '*') {
        const m = this.mark();
        this.advance();
        this.advance();
        while (
          this.pos < this.text.length &&
          !(this.peekChar() === '*' && this.peekChar(1) === '/')
        ) {
          this.advance();
        }
        if (this.pos >= this.text.length) {
          this.errors.push(diagnostic('unterminatedComment', this.spanFrom(m)));
          return;
        }
        this.advance();
        this.advance();
        this.lastLexeme = this.spanFrom(m);
      } else {
        return;
      }
    }
  }

  /** True when only blanks precede the current position on its line. */
  private atLineStart(): boolean {
    for (let i = this.pos - 1; i >= 0; i--) {
      const c = this.text[i];
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t') return false;
    }
    return true;
  }

  /** The identifier at the current position (after blanks), without consuming it. */
  peekWord(): string {
    this.skipTrivia();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 64));
    return m?.[0] ?? '';
  }

  /** The next character after blanks and comments, without consuming it. */
  peekNonBlank(): string | undefined {
    this.skipTrivia();
    return this.peekChar();
  }

  /**
   * An attach point: a run of letters, digits and ATTACH_CHARS, with quoted parts kept whole.
   * Undefined when the next character cannot start one.
   */
  scanAttachPoint(): Token | undefined {
    this.skipTrivia();
    const m = this.mark();
    let text = '';
    for (;;) {
      const c = this.peekChar();
      if (c === undefined) break;
      if (c === '"') {
        // A quoted path (`uprobe:"/opt/my app/bin":f`): keep it whole, quotes dropped.
        this.advance();
        while (this.pos < this.text.length && this.peekChar() !== '"' && this.peekChar() !== '\n') {
          text += this.advance();
        }
        if (this.peekChar() !== '"') {
          this.errors.push(diagnostic('unterminatedString', this.spanFrom(m)));
          break;
        }
        this.advance();
        continue;
      }
      if (!(isIdentChar(c) || ATTACH_CHARS.has(c))) break;
      // `/` starts a predicate unless we are inside a path (after a `:`).
      if (c === '/' && !text.includes(':')) break;
      text += this.advance();
    }
    if (this.pos === m.pos) return undefined;
    const span = this.spanFrom(m);
    this.lastLexeme = span;
    return { kind: 'attachPoint', text, span };
  }

  /** Where the lexer is (after the last character it consumed). */
  position(): { line: number; column: number } {
    return { line: this.line, column: this.col };
  }

  next(): Token {
    const tok = this.scan();
    this.lastLexeme = tok.span;
    return tok;
  }

  private scan(): Token {
    this.skipTrivia();
    const m = this.mark();
    const c = this.peekChar();
    if (c === undefined) {
      const empty = { ...this.spanFrom(m), empty: true };
      return { kind: 'eof', text: '', span: this.lastLexeme ?? empty };
    }
    if (c === '#' && this.atLineStart()) {
      // A preprocessor line, with `\` continuations.
      let text = '';
      while (this.pos < this.text.length) {
        const d = this.peekChar();
        if (d === '\\' && this.peekChar(1) === '\n') {
          this.advance();
          this.advance();
          text += ' ';
          continue;
        }
        if (d === '\n') break;
        text += this.advance();
      }
      return { kind: 'preprocessor', text: text.trimEnd(), span: this.spanFrom(m) };
    }
    if (isIdentStart(c)) {
      let text = '';
      while (isIdentChar(this.peekChar())) text += this.advance();
      return { kind: 'ident', text, span: this.spanFrom(m) };
    }
    if (c === '@') {
      let text = this.advance();
      if (isIdentStart(this.peekChar())) {
        while (isIdentChar(this.peekChar())) text += this.advance();
      }
      return { kind: 'map', text, span: this.spanFrom(m) };
    }
    if (c === '$') {
      let text = this.advance();
      const d = this.peekChar();
      if (d === '#') {
        text += this.advance();
        return { kind: 'paramCount', text, span: this.spanFrom(m) };
      }
      if (isDigit(d)) {
        while (isDigit(this.peekChar())) text += this.advance();
        return { kind: 'param', text, span: this.spanFrom(m), int: BigInt(text.slice(1)) };
      }
      if (isIdentStart(d)) {
        while (isIdentChar(this.peekChar())) text += this.advance();
        return { kind: 'var', text, span: this.spanFrom(m) };
      }
      this.errors.push(diagnostic('invalidCharacter', this.spanFrom(m), '$'));
      return this.next();
    }
    if (isDigit(c)) return this.number(m);
    if (c === '"') return this.string(m);
    for (const p of PUNCTUATORS) {
      if (this.text.startsWith(p, this.pos)) {
        for (let i = 0; i < p.length; i++) this.advance();
        return { kind: 'punct', text: p, span: this.spanFrom(m) };
      }
    }
    this.advance();
    this.errors.push(diagnostic('invalidCharacter', this.spanFrom(m), c));
    return this.next();
  }

  private number(m: { line: number; column: number }): Token {
    let text = '';
    while (isIdentChar(this.peekChar())) text += this.advance();
    const span = this.spanFrom(m);
    const bad = (): Token => {
      this.errors.push(diagnostic('trailingNonNumeric', span));
      return { kind: 'int', text, span, int: 0n };
    };
    let value: bigint;
    let match: RegExpMatchArray | null;
    if ((match = /^0[xX]([0-9a-fA-F]+)$/.exec(text))) {
      value = BigInt(text);
    } else if (/^0[0-7]+$/.test(text)) {
      value = BigInt('0o' + text.slice(1));
    } else if (
      (match = /^([0-9]+(?:_[0-9]+)*)(?:e([0-9]+))?(?:[uU]?(?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU])$/.exec(
        text,
      ))
    ) {
      const digits = (match[1] ?? '0').replace(/_/g, '');
      if (digits.length > 1 && digits.startsWith('0')) return bad();
      value = BigInt(digits);
      const exp = match[2];
      if (exp !== undefined) {
        const scaled = value * 10n ** BigInt(exp);
        if (Number(exp) > 19 || scaled > MAX_U64) {
          this.errors.push(diagnostic('exponentOverflow', span, exp));
          return { kind: 'int', text, span, int: 0n };
        }
        value = scaled;
      }
    } else {
      return bad();
    }
    if (value > MAX_U64) {
      this.errors.push(diagnostic('integerTooLarge', span, text));
      value = 0n;
    }
    return { kind: 'int', text, span, int: value };
  }

  private string(m: { line: number; column: number }): Token {
    this.advance(); // opening quote
    let value = '';
    let raw = '"';
    for (;;) {
      const c = this.peekChar();
      if (c === undefined || c === '\n') {
        this.errors.push(diagnostic('unterminatedString', this.spanFrom(m)));
        return { kind: 'string', text: raw, span: this.spanFrom(m), str: value };
      }
      raw += this.advance();
      if (c === '"') break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const e = this.peekChar();
      if (e === undefined || e === '\n') continue;
      raw += this.advance();
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '\\':
        case '"':
        case "'":
          value += e;
          break;
        case 'x': {
          let hex = '';
          while (hex.length < 2 && /[0-9a-fA-F]/.test(this.peekChar() ?? '')) hex += this.advance();
          raw += hex;
          if (hex === '') {
            this.errors.push(diagnostic('invalidEscape', this.spanFrom(m), 'x'));
          } else {
            value += escapedByte(parseInt(hex, 16));
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            let oct = e;
            while (oct.length < 3 && /[0-7]/.test(this.peekChar() ?? '')) oct += this.advance();
            raw += oct.slice(1);
            value += escapedByte(parseInt(oct, 8) & 0xff);
          } else {
            this.errors.push(diagnostic('invalidEscape', this.spanFrom(m), e));
          }
      }
    }
    return { kind: 'string', text: raw, span: this.spanFrom(m), str: value };
  }
}
