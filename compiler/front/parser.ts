// Hand-written recursive-descent parser for bpftrace 0.17, with precedence climbing for
// binary operators (C precedence). Like bpftrace's bison parser it stops at the first syntax
// error and reports it as `syntax error, unexpected X, expecting Y`.
import type { Diagnostic } from '../diagnostics.js';
import { diagnostic } from '../diagnostics.js';
import type {
  AttachPoint,
  BinaryOp,
  Call,
  Expr,
  MapRef,
  Preprocessor,
  Probe,
  Program,
  Span,
  Statement,
  TypeName,
  Variable,
} from './ast.js';
import { isBuiltinName, builtinNode } from './builtins.js';
import { parseCDefinition } from './c-definitions-parser.js';
import type { CDefinitions } from './c-definitions.js';
import { emptyCDefinitions } from './c-definitions.js';
import type { Token } from './lexer.js';
import { Lexer } from './lexer.js';
import { applyPreprocessor, type PreprocessorState } from './preprocessor.js';
import { join } from './span.js';

export interface ParseResult {
  program?: Program;
  diagnostics: Diagnostic[];
}

/** Thrown inside the parser to stop at the first syntax error; never escapes parse(). */
class SyntaxStop {
  constructor(readonly diagnostic: Diagnostic) {}
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const COMPOUND_ASSIGN: Record<string, BinaryOp> = {
  '+=': '+',
  '-=': '-',
  '*=': '*',
  '/=': '/',
  '%=': '%',
  '&=': '&',
  '|=': '|',
  '^=': '^',
  '<<=': '<<',
  '>>=': '>>',
};

/** Integer type names a cast or sizeof may use without `struct`. */
export const INTEGER_TYPE_NAMES = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
]);

const MAX_DEFINE_DEPTH = 16;
/** Nesting of expressions and blocks; deeper input is rejected instead of overflowing the stack. */
export const MAX_NESTING = 400;

function describe(tok: Token): string {
  switch (tok.kind) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return isBuiltinName(tok.text) ? 'builtin' : 'identifier';
    case 'int':
      return 'integer';
    case 'string':
      return 'string';
    case 'map':
      return 'map';
    case 'var':
      return 'variable';
    case 'param':
    case 'paramCount':
      return 'positional parameter';
    case 'preprocessor':
      return 'preprocessor directive';
    case 'attachPoint':
      return 'attach point';
    case 'punct':
      return tok.text;
  }
}

class Parser {
  private readonly lexer: Lexer;
  private readonly buffer: Token[] = [];
  private readonly cdefs: CDefinitions = emptyCDefinitions();
  private readonly preprocessor: Preprocessor[] = [];
  /** Where the last preprocessor directive or C definition ended (the program's start before). */
  private definitionsEnd = { line: 1, column: 1 };
  private readonly pp: PreprocessorState = { conditions: [] };
  /** Inside `/ ... /` at parenthesis depth 0, `/` followed by `{` ends the predicate. */
  private predicateDepth = -1;
  private parenDepth = 0;
  private nesting = 0;

  constructor(private readonly source: { name: string; text: string }) {
    this.lexer = new Lexer(source.text);
  }

  // --- tokens -------------------------------------------------------------------------

  private lexErrorCheck(): void {
    const err = this.lexer.errors[0];
    if (err) throw new SyntaxStop(err);
  }

  /** Pulls one token from the lexer, expanding `#define`d names. */
  private pull(): void {
    const tok = this.lexer.next();
    this.lexErrorCheck();
    if (tok.kind === 'ident' && this.cdefs.defines.has(tok.text)) {
      this.buffer.push(...this.expandDefine(tok, 0));
      if (this.buffer.length === 0) this.pull();
      return;
    }
    this.buffer.push(tok);
  }

  private expandDefine(use: Token, depth: number): Token[] {
    const body = this.cdefs.defines.get(use.text) ?? '';
    if (depth > MAX_DEFINE_DEPTH) return [use];
    const sub = new Lexer(body);
    const out: Token[] = [];
    for (;;) {
      const t = sub.next();
      if (sub.errors.length > 0 || t.kind === 'eof') break;
      // The expansion's tokens all point at the name in the program text.
      const placed: Token = { ...t, span: use.span };
      if (
        placed.kind === 'ident' &&
        this.cdefs.defines.has(placed.text) &&
        placed.text !== use.text
      ) {
        out.push(...this.expandDefine(placed, depth + 1));
      } else {
        out.push(placed);
      }
    }
    return out;
  }

  private la(k = 0): Token {
    while (this.buffer.length <= k) this.pull();
    const t = this.buffer[k];
    if (!t) throw new Error('unreachable: buffer filled above');
    return t;
  }

  private take(): Token {
    const t = this.la(0);
    this.buffer.shift();
    return t;
  }

  private isPunct(text: string, k = 0): boolean {
    const t = this.la(k);
    return t.kind === 'punct' && t.text === text;
  }

  private isWord(text: string, k = 0): boolean {
    const t = this.la(k);
    return t.kind === 'ident' && t.text === text;
  }

  private unexpected(tok: Token, expected?: string): never {
    if (tok.kind === 'eof' && expected !== undefined) {
      throw new SyntaxStop(diagnostic('syntaxUnexpected', tok.span, 'end of file', expected));
    }
    throw new SyntaxStop(diagnostic('syntaxUnexpected', tok.span, describe(tok), expected));
  }

  private expectPunct(text: string): Token {
    const t = this.la(0);
    if (t.kind !== 'punct' || t.text !== text) this.unexpected(t, text);
    return this.take();
  }

  // --- program ------------------------------------------------------------------------

  parseProgram(): Program {
    const probes: Probe[] = [];
    for (;;) {
      const c = this.lexer.peekNonBlank();
      this.lexErrorCheck();
      if (c === undefined) break;
      if (c === '#') {
        this.preprocessorLine();
        continue;
      }
      const word = this.lexer.peekWord();
      if (word === 'struct' || word === 'union' || word === 'enum' || word === 'typedef') {
        this.cDefinition();
        continue;
      }
      probes.push(this.probe());
    }
    if (this.pp.conditions.length > 0) {
      const end = this.la(0).span;
      throw new SyntaxStop(diagnostic('unexpectedEof', end, '#endif'));
    }
    const from = this.definitionsEnd;
    const to = this.lexer.position();
    const empty = from.line === to.line && from.column === to.column;
    return {
      source: this.source,
      tail: {
        line: from.line,
        column: from.column,
        endLine: to.line,
        endColumn: to.column,
        ...(empty ? { empty } : {}),
      },
      preprocessor: this.preprocessor,
      cDefinitions: this.cdefs,
      probes,
    };
  }

  private preprocessorLine(): void {
    const tok = this.lexer.next();
    this.definitionsEnd = { line: tok.span.endLine, column: tok.span.endColumn };
    this.lexErrorCheck();
    if (tok.kind !== 'preprocessor') this.unexpected(tok);
    this.preprocessor.push({ span: tok.span, text: tok.text });
    const problem = applyPreprocessor(tok.text, this.cdefs, this.pp);
    if (problem) throw new SyntaxStop(diagnostic('unsupportedPreprocessor', tok.span, problem));
  }

  private cDefinition(): void {
    // Collect the tokens of `struct name { ... };` (or enum/union/typedef ... ;).
    const tokens: Token[] = [];
    let depth = 0;
    for (;;) {
      const t = this.take();
      if (t.kind === 'eof') this.unexpected(t, ';');
      tokens.push(t);
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') {
        depth--;
        // 0.17 ends a struct, union or enum body at its closing brace: the `;` is optional
        // (`struct P { int a; } BEGIN { ... }`). A typedef still needs one.
        if (depth === 0 && tokens[0]?.text !== 'typedef') {
          if (this.buffer.length === 0 && this.lexer.peekNonBlank() !== ';') {
            tokens.push({ kind: 'punct', text: ';', span: t.span });
            break;
          }
        }
      }
      if (depth === 0 && t.kind === 'punct' && t.text === ';') break;
    }
    const problem = parseCDefinition(tokens, this.cdefs);
    if (problem) throw new SyntaxStop(problem);
    const last = tokens[tokens.length - 1]!.span;
    this.definitionsEnd = { line: last.endLine, column: last.endColumn };
  }

  private probe(): Probe {
    const attachPoints: AttachPoint[] = [];
    for (;;) {
      const ap = this.lexer.scanAttachPoint();
      this.lexErrorCheck();
      if (!ap) this.unexpected(this.la(0), 'attach point');
      attachPoints.push({ span: ap.span, text: ap.text });
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      break;
    }
    const first = attachPoints[0];
    if (!first) throw new Error('unreachable: at least one attach point');
    let predicate: Expr | undefined;
    if (this.isPunct('/')) {
      this.take();
      this.predicateDepth = this.parenDepth;
      predicate = this.expr();
      this.predicateDepth = -1;
      this.expectPunct('/');
    }
    const open = this.la(0);
    if (open.kind === 'eof') {
      const last = attachPoints[attachPoints.length - 1] ?? first;
      throw new SyntaxStop(diagnostic('unexpectedEof', last.span, '{'));
    }
    const { body, end } = this.block();
    const probe: Probe = {
      span: join(first.span, end),
      attachPoints,
      body,
      targets: [],
      variables: new Map(),
    };
    if (predicate) probe.predicate = predicate;
    return probe;
  }

  // --- statements ---------------------------------------------------------------------

  private enter(): void {
    if (++this.nesting > MAX_NESTING) {
      throw new SyntaxStop(diagnostic('nestingTooDeep', this.la(0).span, MAX_NESTING));
    }
  }

  private block(): { body: Statement[]; end: Span } {
    this.enter();
    try {
      return this.blockBody();
    } finally {
      this.nesting--;
    }
  }

  private blockBody(): { body: Statement[]; end: Span } {
    this.expectPunct('{');
    const body: Statement[] = [];
    for (;;) {
      if (this.isPunct('}')) break;
      const t = this.la(0);
      if (t.kind === 'ident' && (t.text === 'if' || t.text === 'unroll' || t.text === 'while')) {
        body.push(this.blockStatement());
        continue;
      }
      body.push(this.simpleStatement());
      if (this.isPunct(';')) {
        this.take();
        continue;
      }
      if (!this.isPunct('}')) this.unexpected(this.la(0), '}');
    }
    const end = this.take().span;
    return { body, end };
  }

  private parenthesised(): Expr {
    this.expectPunct('(');
    this.parenDepth++;
    const e = this.expr();
    this.parenDepth--;
    this.expectPunct(')');
    return e;
  }

  private blockStatement(): Statement {
    const kw = this.take();
    switch (kw.text) {
      case 'if': {
        const cond = this.parenthesised();
        const then = this.block();
        let end = then.end;
        let elseBody: Statement[] | undefined;
        if (this.isWord('else')) {
          this.take();
          if (this.isWord('if')) {
            const nested = this.blockStatement();
            elseBody = [nested];
            end = nested.span;
          } else {
            const b = this.block();
            elseBody = b.body;
            end = b.end;
          }
        }
        const stmt: Statement = { kind: 'if', span: join(kw.span, end), cond, then: then.body };
        if (elseBody) stmt.else = elseBody;
        return stmt;
      }
      case 'unroll': {
        this.expectPunct('(');
        this.parenDepth++;
        const countExpr = this.expr();
        this.parenDepth--;
        const close = this.expectPunct(')');
        const b = this.block();
        return {
          kind: 'unroll',
          span: join(kw.span, b.end),
          headSpan: join(kw.span, close.span),
          countExpr,
          body: b.body,
        };
      }
      case 'while': {
        const cond = this.parenthesised();
        const b = this.block();
        return { kind: 'while', span: join(kw.span, b.end), cond, body: b.body };
      }
      default:
        this.unexpected(kw);
    }
  }

  private simpleStatement(): Statement {
    const t = this.la(0);
    if (
      t.kind === 'ident' &&
      (t.text === 'break' || t.text === 'continue' || t.text === 'return')
    ) {
      this.take();
      return { kind: t.text, span: t.span };
    }
    if (t.kind === 'punct' && (t.text === '{' || t.text === ';')) {
      // bpftrace 0.17 has no bare blocks and no empty statements.
      this.unexpected(t, '}');
    }
    const target = this.expr();
    const op = this.la(0);
    if (op.kind === 'punct' && (op.text === '=' || op.text in COMPOUND_ASSIGN)) {
      if (target.kind !== 'map' && target.kind !== 'variable') this.unexpected(op, '}');
      this.take();
      const rhs = this.expr();
      const span = join(target.span, rhs.span);
      const compound = COMPOUND_ASSIGN[op.text];
      if (compound === undefined) {
        return { kind: 'assign', span, target, value: rhs, opSpan: op.span };
      }
      // `@x[k] += v` is `@x[k] = @x[k] + v`, as bpftrace 0.17's parser desugars it.
      const reread = structuredClone(target);
      return {
        kind: 'assign',
        span,
        target,
        value: { kind: 'binary', op: compound, left: reread, right: rhs, span },
        opSpan: op.span,
        compound,
      };
    }
    return { kind: 'exprStmt', span: target.span, expr: target };
  }

  // --- expressions --------------------------------------------------------------------

  expr(): Expr {
    this.enter();
    try {
      return this.ternary();
    } finally {
      this.nesting--;
    }
  }

  private ternary(): Expr {
    const cond = this.binary(1);
    if (!this.isPunct('?')) return cond;
    this.take();
    const then = this.expr();
    this.expectPunct(':');
    const otherwise = this.expr();
    return { kind: 'ternary', span: join(cond.span, otherwise.span), cond, then, else: otherwise };
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.la(0);
      if (t.kind !== 'punct') return left;
      const prec = BINARY_PRECEDENCE[t.text];
      if (prec === undefined || prec < minPrec) return left;
      if (t.text === '/' && this.predicateDepth === this.parenDepth) {
        // The closing `/` of a predicate: followed by the block.
        const next = this.la(1);
        if ((next.kind === 'punct' && next.text === '{') || next.kind === 'eof') return left;
      }
      this.take();
      const right = this.binary(prec + 1);
      left = {
        kind: 'binary',
        op: t.text as BinaryOp,
        left,
        right,
        span: join(left.span, right.span),
        opSpan: t.span,
      };
    }
  }

  private unary(): Expr {
    this.enter();
    try {
      return this.unaryInner();
    } finally {
      this.nesting--;
    }
  }

  private unaryInner(): Expr {
    const t = this.la(0);
    if (t.kind === 'punct') {
      switch (t.text) {
        case '!':
        case '~':
        case '-':
        case '*': {
          this.take();
          const operand = this.unary();
          return { kind: 'unary', op: t.text, operand, span: join(t.span, operand.span) };
        }
        case '++':
        case '--': {
          this.take();
          const target = this.unary();
          if (target.kind !== 'map' && target.kind !== 'variable') this.unexpected(this.la(0));
          return {
            kind: 'incdec',
            op: t.text,
            prefix: true,
            target,
            span: join(t.span, target.span),
          };
        }
        case '(': {
          const cast = this.tryCast();
          if (cast) return cast;
          break;
        }
      }
    }
    return this.postfix(this.primary());
  }

  /** Whether `(` at la(0) starts a cast; if so, parses it. */
  private tryCast(): Expr | undefined {
    const n = this.typeNameLength(1);
    if (n === 0 || !this.isPunct(')', 1 + n)) return undefined;
    const first = this.la(1);
    // `(name)` alone is a cast only for known type names or when an operand follows;
    // otherwise it is a parenthesised identifier (an enum constant).
    if (n === 1 && first.kind === 'ident' && !this.isTypeName(first.text)) {
      const after = this.la(2 + n);
      const startsOperand =
        after.kind === 'int' ||
        after.kind === 'string' ||
        after.kind === 'ident' ||
        after.kind === 'var' ||
        after.kind === 'map' ||
        after.kind === 'param' ||
        (after.kind === 'punct' &&
          (after.text === '(' || after.text === '!' || after.text === '~'));
      if (!startsOperand) return undefined;
    }
    const open = this.take();
    const target = this.typeName();
    this.expectPunct(')');
    const operand = this.unary();
    return { kind: 'cast', target, operand, span: join(open.span, operand.span) };
  }

  private isTypeName(name: string): boolean {
    return INTEGER_TYPE_NAMES.has(name) || this.cdefs.typedefs.has(name);
  }

  /**
   * How many tokens from la(k) form a type name (`uint8`, `struct foo *`, `int8[4]`), or 0.
   */
  private typeNameLength(k: number): number {
    let i = k;
    const t = this.la(i);
    if (t.kind !== 'ident') return 0;
    if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') {
      if (this.la(i + 1).kind !== 'ident') return 0;
      i += 2;
    } else {
      if (isBuiltinName(t.text) || t.text === 'sizeof') return 0;
      if (this.isPunct('(', i + 1)) return 0;
      i += 1;
    }
    while (this.isPunct('*', i)) i++;
    if (this.isPunct('[', i) && this.la(i + 1).kind === 'int' && this.isPunct(']', i + 2)) i += 3;
    return i - k;
  }

  private typeName(): TypeName {
    const first = this.take();
    let name = first.text;
    let end = first.span;
    if (name === 'struct' || name === 'union' || name === 'enum') {
      const id = this.take();
      name = `${name} ${id.text}`;
      end = id.span;
    }
    let pointerDepth = 0;
    while (this.isPunct('*')) {
      end = this.take().span;
      pointerDepth++;
    }
    const tn: TypeName = { span: join(first.span, end), name, pointerDepth };
    if (this.isPunct('[')) {
      this.take();
      const n = this.take();
      tn.arrayCount = Number(n.int ?? 0n);
      tn.span = join(first.span, this.expectPunct(']').span);
    }
    return tn;
  }

  private postfix(base: Expr): Expr {
    let e = base;
    for (;;) {
      const t = this.la(0);
      if (t.kind !== 'punct') return e;
      if (t.text === '->' || t.text === '.') {
        this.take();
        const f = this.take();
        if (t.text === '.' && f.kind === 'int') {
          e = {
            kind: 'tupleAccess',
            base: e,
            index: Number(f.int ?? 0n),
            span: join(e.span, f.span),
          };
          continue;
        }
        if (f.kind !== 'ident') this.unexpected(f, 'identifier');
        e = {
          kind: 'field',
          base: e,
          field: f.text,
          arrow: t.text === '->',
          span: join(e.span, f.span),
        };
        continue;
      }
      if (t.text === '[') {
        this.take();
        this.parenDepth++;
        const index = this.expr();
        this.parenDepth--;
        const close = this.expectPunct(']');
        e = { kind: 'index', base: e, index, span: join(e.span, close.span) };
        continue;
      }
      if ((t.text === '++' || t.text === '--') && (e.kind === 'map' || e.kind === 'variable')) {
        this.take();
        e = { kind: 'incdec', op: t.text, prefix: false, target: e, span: join(e.span, t.span) };
        continue;
      }
      return e;
    }
  }

  private primary(): Expr {
    const t = this.take();
    switch (t.kind) {
      case 'int':
        return { kind: 'integer', value: t.int ?? 0n, span: t.span };
      case 'string':
        return { kind: 'string', value: t.str ?? '', span: t.span };
      case 'param':
        return { kind: 'positional', index: Number(t.int ?? 0n), count: false, span: t.span };
      case 'paramCount':
        return { kind: 'positional', index: 0, count: true, span: t.span };
      case 'var': {
        const v: Variable = { kind: 'variable', name: t.text, span: t.span };
        return v;
      }
      case 'map':
        return this.mapRef(t);
      case 'ident':
        return this.identifierExpr(t);
      case 'punct':
        if (t.text === '(') return this.parenOrTuple(t);
        return this.unexpected(t);
      default:
        return this.unexpected(t);
    }
  }

  private mapRef(t: Token): MapRef {
    const m: MapRef = { kind: 'map', name: t.text, keys: [], span: t.span };
    if (!this.isPunct('[')) return m;
    this.take();
    this.parenDepth++;
    for (;;) {
      m.keys.push(this.expr());
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      break;
    }
    this.parenDepth--;
    const close = this.expectPunct(']');
    m.span = join(t.span, close.span);
    return m;
  }

  private identifierExpr(t: Token): Expr {
    if (t.text === 'sizeof') {
      this.expectPunct('(');
      const n = this.typeNameLength(0);
      const looksLikeType =
        n > 0 &&
        this.isPunct(')', n) &&
        (n > 1 ||
          this.isTypeName(this.la(0).text) ||
          ['struct', 'union', 'enum'].includes(this.la(0).text));
      let arg: { kind: 'type'; typeName: TypeName } | { kind: 'expr'; expr: Expr };
      if (looksLikeType) {
        arg = { kind: 'type', typeName: this.typeName() };
      } else {
        this.parenDepth++;
        arg = { kind: 'expr', expr: this.expr() };
        this.parenDepth--;
      }
      const close = this.expectPunct(')');
      return { kind: 'sizeof', arg, span: join(t.span, close.span) };
    }
    if (this.isPunct('(')) return this.call(t);
    if (isBuiltinName(t.text)) return builtinNode(t.text, t.span);
    return { kind: 'identifier', name: t.text, span: t.span };
  }

  private call(name: Token): Call {
    this.expectPunct('(');
    this.parenDepth++;
    const args: Expr[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.expr());
        if (this.isPunct(',')) {
          this.take();
          continue;
        }
        break;
      }
    }
    this.parenDepth--;
    const close = this.expectPunct(')');
    return {
      kind: 'call',
      name: name.text,
      args,
      nameSpan: name.span,
      span: join(name.span, close.span),
    };
  }

  private parenOrTuple(open: Token): Expr {
    this.parenDepth++;
    const first = this.expr();
    if (this.isPunct(')')) {
      this.parenDepth--;
      this.take();
      return first;
    }
    const elems = [first];
    while (this.isPunct(',')) {
      this.take();
      elems.push(this.expr());
    }
    this.parenDepth--;
    const close = this.expectPunct(')');
    return { kind: 'tuple', elems, span: join(open.span, close.span) };
  }
}

/** Parses a whole program. Never throws for user errors. */
export function parse(source: { name: string; text: string }): ParseResult {
  const p = new Parser(source);
  try {
    const program = p.parseProgram();
    return { program, diagnostics: [] };
  } catch (err) {
    if (err instanceof SyntaxStop) return { diagnostics: [err.diagnostic] };
    throw err;
  }
}
