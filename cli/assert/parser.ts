// Recursive-descent parser for assertions, lowest precedence first:
//   or := and ('||' and)*          and := not ('&&' not)*
//   not := '!' not | compare       compare := sum (CMP sum)?
//   sum := product (('+'|'-') product)*
//   product := unary (('*'|'/'|'%') unary)*
//   unary := '-' unary | primary
//   primary := NUMBER | STRING | true | false | MAP | FN '(' MAP ')' |
//              percentile '(' MAP ',' NUMBER ')' | '(' or ')'
//   MAP := '@name' ('[' key (',' key)* ']')?     key := STRING | '-'? NUMBER
// A comparison does not chain (`a < b < c` is an error), as in most languages that
// learned from C's mistake there.
import type { CompareOp, Expr, MapRef, Span, StatFunction } from './ast.js';
import { lex, type Punct, type Token } from './lexer.js';
import { AssertionSyntaxError } from './syntax-error.js';

const compareOps: readonly CompareOp[] = ['==', '!=', '<', '<=', '>', '>='];
const plainFunctions: readonly StatFunction[] = ['count', 'sum', 'avg', 'min', 'max'];

export function parse(source: string): Expr {
  const parser = new Parser(source, lex(source));
  const expr = parser.or();
  parser.expectEnd();
  return expr;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    // lex() always ends with an eof token, and the parser never moves past it.
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isPunct(text: Punct): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private expectPunct(text: Punct, what: string): Token {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === text) return this.next();
    throw this.error(`expected '${text}' ${what}, found ${describe(t)}`, t.start);
  }

  private error(reason: string, offset: number): AssertionSyntaxError {
    return new AssertionSyntaxError(reason, this.source, offset);
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') throw this.error(`unexpected ${describe(t)}`, t.start);
  }

  or(): Expr {
    let left = this.and();
    while (this.isPunct('||')) {
      this.next();
      const right = this.and();
      left = { kind: 'logic', op: '||', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isPunct('&&')) {
      this.next();
      const right = this.not();
      left = { kind: 'logic', op: '&&', left, right, span: join(left.span, right.span) };
    }
    return left;
  }

  private not(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '!') {
      this.next();
      const operand = this.not();
      return { kind: 'not', operand, span: { start: t.start, end: operand.span.end } };
    }
    return this.compare();
  }

  private compare(): Expr {
    const left = this.sum();
    const t = this.peek();
    if (t.kind !== 'punct') return left;
    const op = compareOps.find((o) => o === t.text);
    if (op === undefined) return left;
    this.next();
    const right = this.sum();
    const after = this.peek();
    if (after.kind === 'punct' && compareOps.some((o) => o === after.text)) {
      throw this.error('comparisons do not chain; join them with &&', after.start);
    }
    return { kind: 'compare', op, left, right, span: join(left.span, right.span) };
  }

  private sum(): Expr {
    let left = this.product();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '+' && t.text !== '-')) return left;
      this.next();
      const right = this.product();
      left = { kind: 'arith', op: t.text, left, right, span: join(left.span, right.span) };
    }
  }

  private product(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '*' && t.text !== '/' && t.text !== '%')) return left;
      this.next();
      const right = this.unary();
      left = { kind: 'arith', op: t.text, left, right, span: join(left.span, right.span) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '-') {
      this.next();
      const operand = this.unary();
      return { kind: 'neg', operand, span: { start: t.start, end: operand.span.end } };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'number', value: t.value, unit: t.unit?.kind, span: t };
      case 'string':
        return { kind: 'string', value: t.value, span: t };
      case 'map':
        return this.mapRest(t);
      case 'ident':
        return this.identifier(t);
      case 'punct':
        if (t.text === '(') {
          const inner = this.or();
          const close = this.expectPunct(')', 'to close the parenthesis');
          return withSpan(inner, { start: t.start, end: close.end });
        }
        throw this.error(`unexpected ${describe(t)}`, t.start);
      case 'eof':
        throw this.error('unexpected end of assertion', t.start);
    }
  }

  private identifier(t: Token & { kind: 'ident' }): Expr {
    if (t.name === 'true' || t.name === 'false') {
      return { kind: 'bool', value: t.name === 'true', span: t };
    }
    const percentileName = /^p(\d{1,3})$/.exec(t.name);
    let fn: StatFunction | undefined = plainFunctions.find((f) => f === t.name);
    let percent: number | undefined;
    if (percentileName) {
      fn = 'percentile';
      percent = Number(percentileName[1]);
    } else if (t.name === 'percentile') {
      fn = 'percentile';
    }
    if (fn === undefined) {
      throw this.error(
        `unknown name '${t.name}' (functions: count, sum, avg, min, max, p50, p99, ..., percentile; maps start with @)`,
        t.start,
      );
    }
    this.expectPunct('(', `after ${t.name}`);
    const argToken = this.next();
    if (argToken.kind !== 'map') {
      throw this.error(
        `${t.name}() takes a map such as @lat, found ${describe(argToken)}`,
        argToken.start,
      );
    }
    const arg = this.mapRest(argToken);
    if (t.name === 'percentile') {
      this.expectPunct(',', 'before the percentile in percentile(@map, P)');
      const p = this.next();
      if (p.kind !== 'number' || p.unit !== undefined) {
        throw this.error('percentile(@map, P) needs a plain number P', p.start);
      }
      percent = p.value;
    }
    if (percent !== undefined && !(percent >= 0 && percent <= 100)) {
      throw this.error(`percentile ${percent} is outside 0..100`, t.start);
    }
    const close = this.expectPunct(')', `to close ${t.name}(`);
    return { kind: 'call', fn, percent, arg, span: { start: t.start, end: close.end } };
  }

  private mapRest(t: Token & { kind: 'map' }): MapRef {
    if (!this.isPunct('[')) return { kind: 'map', name: t.name, key: undefined, span: t };
    this.next();
    const parts: string[] = [];
    for (;;) {
      parts.push(this.keyPart());
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      const close = this.expectPunct(']', `to close ${t.name}[`);
      // bpftrace's JSON output joins the fields of a multi-key with a bare comma ("a,1").
      return {
        kind: 'map',
        name: t.name,
        key: parts.join(','),
        span: { start: t.start, end: close.end },
      };
    }
  }

  private keyPart(): string {
    const t = this.next();
    if (t.kind === 'string') return t.value;
    let sign = '';
    let n: Token = t;
    if (t.kind === 'punct' && t.text === '-') {
      sign = '-';
      n = this.next();
    }
    if (n.kind === 'number' && n.unit === undefined && Number.isInteger(n.value))
      return `${sign}${n.value}`;
    throw this.error(`a map key is a "string" or an integer, found ${describe(n)}`, n.start);
  }
}

function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

function withSpan(e: Expr, span: Span): Expr {
  return { ...e, span };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of assertion';
    case 'punct':
      return `'${t.text}'`;
    case 'map':
    case 'ident':
      return `'${t.name}'`;
    case 'number':
      return `number ${t.value}`;
    case 'string':
      return `string "${t.value}"`;
  }
}
