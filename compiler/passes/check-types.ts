// Pass: check types. With every expression typed, checks what bpftrace 0.17 allows where:
// argument counts and kinds of every function, aggregations only as a map's value, actions
// only as statements, builtins only in the probes that provide them, operators on the
// types they accept, one type per map and per variable, printf formats against their
// arguments, literal-only arguments, --unsafe functions.
import { InternalError, assertNever } from '../debug.js';
import type { DiagnosticArgs, DiagnosticBag, DiagnosticKey } from '../diagnostics.js';
import type {
  Builtin,
  Binary,
  Call,
  CheckedProgram,
  Expr,
  MapRef,
  Probe,
  ProbeProvider,
  Span,
  Statement,
} from '../front/ast.js';
import type { CompilerHost } from '../host.js';
import type { SizedType } from '../types.js';
import { isAggregate } from '../types.js';
import { builtinText } from '../front/builtins.js';
import { stringByteLength } from '../front/strings.js';
import { FUNCTIONS, MAX_STACK_LIMIT } from './functions.js';
import type { CheckOptions, FrontConfig } from './options.js';
import { compatible, isIntLike, kindStr, storageType, typeStr } from './type-names.js';
import { PT_REGS_FIELDS } from '../codegen/pt-regs.js';
import { parseFormat, type FormatSpecifier } from './printf-format.js';

/** Where an expression's value goes: bpftrace allows functions by context. */
type Use = 'statement' | 'value' | 'mapValue' | 'format';

const X86_REGISTERS: ReadonlySet<string> = new Set(PT_REGS_FIELDS);

const SIGNALS = new Set([
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
]);

/** Types printf's %s accepts besides strings: everything user space turns into text. */
const TEXT_KINDS = new Set<SizedType['kind']>([
  'string',
  'ksym',
  'usym',
  'kstack',
  'ustack',
  'username',
  'probe',
  'inet',
  'timestamp',
  'strerror',
  'cgroup_path',
  'mac_address',
]);

const MAX_PRINTF_ARGS = 32;

function printfKind(t: SizedType): string {
  if (TEXT_KINDS.has(t.kind)) return 'string';
  return kindStr(t);
}

function literalInt(e: Expr | undefined): bigint | undefined {
  if (e?.kind === 'integer') return e.value;
  // `-5` is a unary minus on a literal.
  if (e?.kind === 'unary' && e.op === '-' && e.operand.kind === 'integer') return -e.operand.value;
  return undefined;
}

function literalText(e: Expr | undefined): string {
  const v = literalInt(e);
  return v === undefined ? '?' : v.toString();
}

class Checker {
  private probe: Probe | undefined;

  constructor(
    private readonly program: CheckedProgram,
    private readonly host: CompilerHost,
    private readonly options: CheckOptions,
    private readonly config: FrontConfig,
    private readonly bag: DiagnosticBag,
  ) {}

  private report<K extends DiagnosticKey>(key: K, span: Span, ...args: DiagnosticArgs<K>): void {
    this.bag.report(key, span, ...args);
  }

  private errorCount(): number {
    return this.bag.items.filter((d) => d.severity === 'error').length;
  }

  run(): void {
    for (const p of this.program.probes) {
      this.probe = p;
      if (p.predicate) {
        const t = this.expr(p.predicate, 'value');
        if (t.kind !== 'none' && !isIntLike(t))
          this.report('predicateType', p.predicate.span, kindStr(t));
      }
      this.statements(p.body);
    }
  }

  private providers(): ProbeProvider[] {
    return [...new Set((this.probe?.targets ?? []).map((t) => t.provider))];
  }

  private statements(list: Statement[]): void {
    for (const s of list) this.statement(s);
  }

  /** if() and ?: take integers only; 0.17 lets while() and predicates test pointers too. */
  private condition(e: Expr, what: string, pointers = false, at: Span = e.span): void {
    const before = this.errorCount();
    const t = this.expr(e, 'value');
    const okType = t.kind === 'int' || (pointers && t.kind === 'pointer');
    if (this.errorCount() === before && !okType) {
      this.report('conditionType', at, what, kindStr(t));
    }
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'exprStmt':
        this.expr(s.expr, 'statement');
        return;
      case 'assign':
        this.assignment(s);
        return;
      case 'if':
        this.condition(s.cond, 'if()');
        this.statements(s.then);
        if (s.else) this.statements(s.else);
        return;
      case 'while':
        this.condition(s.cond, 'while()', true);
        this.statements(s.body);
        return;
      case 'unroll': {
        this.expr(s.countExpr, 'value');
        const n = literalInt(s.countExpr);
        if (n === undefined)
          this.report(
            'expectsLiteral',
            s.countExpr.span,
            'unroll',
            'integer',
            kindStr(s.countExpr.type ?? { kind: 'none' }),
          );
        else if (n < 1n) this.report('unrollMin', s.headSpan ?? s.span);
        else if (n > 100n) this.report('unrollMax', s.headSpan ?? s.span);
        this.statements(s.body);
        return;
      }
      case 'break':
      case 'continue':
      case 'return':
        return;
      case 'block':
        this.statements(s.body);
        return;
    }
  }

  private assignment(s: Statement & { kind: 'assign' }): void {
    const before = this.errorCount();
    const isMap = s.target.kind === 'map';
    const value = this.expr(s.value, isMap && s.compound === undefined ? 'mapValue' : 'value');
    if (s.target.kind === 'map') this.mapKeys(s.target);
    if (this.errorCount() !== before) return;
    if (s.target.kind === 'map' && this.isContext(s.value)) {
      // bpftrace points at the `=`.
      this.report('contextToMap', s.opSpan);
      return;
    }
    if (value.kind === 'none') {
      this.report('invalidAssignment', s.value.span, 'none');
      return;
    }
    if (s.target.kind === 'map') {
      const info = this.program.maps.get(s.target.name);
      if (!info) return;
      // An aggregation's value only comes from its function (count() ...), or, for the
      // one-slot kinds, from another map of its kind: 0.17 copies this CPU's slot
      // (`@b = @a` of a count()), and so does bpfq. Other reads of aggregates are refused.
      const copiesSlot =
        s.value.kind === 'map' && ['count', 'sum', 'min', 'max'].includes(value.kind);
      if (isAggregate(value) && s.value.kind !== 'call' && !copiesSlot) {
        this.report(
          'aggregateInExpression',
          s.value.span,
          s.value.kind === 'map' ? s.value.name : 'value',
          typeStr(value),
        );
        return;
      }
      const slot = storageType(value);
      if (info.value.kind === 'tuple' && slot.kind === 'tuple' && !compatible(info.value, slot)) {
        this.report('tupleMismatch', s.opSpan, typeStr(info.value), typeStr(slot));
      } else if (!compatible(info.value, slot)) {
        this.report(
          'mapTypeMismatch',
          s.target.span,
          s.target.name,
          typeStr(slot),
          typeStr(info.value),
        );
      } else if (info.value.kind === 'lhist' && slot.kind === 'lhist') {
        if (
          info.value.min !== slot.min ||
          info.value.max !== slot.max ||
          info.value.step !== slot.step
        ) {
          this.report('lhistMismatch', s.value.span);
        }
      }
      return;
    }
    if (
      s.value.kind === 'builtin' &&
      s.value.name === 'args' &&
      this.providers().includes('uprobe')
    ) {
      // 0.17 builds uprobe `args` in the probe's context only (tracepoint `args` it lets
      // through); bpftrace points at the `=`.
      this.report('argsToVariable', s.opSpan);
      return;
    }
    const have = this.probe?.variables.get(s.target.name);
    if (isAggregate(value)) {
      // count() and friends were reported where the call was checked.
      if (s.value.kind !== 'call') {
        this.report(
          'aggregateInExpression',
          s.value.span,
          s.value.kind === 'map' ? s.value.name : 'value',
          typeStr(value),
        );
      }
      return;
    }
    if (!have) return;
    const slot = storageType(value);
    if (have.kind === 'tuple' && slot.kind === 'tuple' && !compatible(have, slot)) {
      this.report('tupleMismatch', s.opSpan, typeStr(have), typeStr(slot));
    } else if (!compatible(have, slot)) {
      this.report('varTypeMismatch', s.opSpan, s.target.name, typeStr(slot), typeStr(have));
    }
  }

  /** The probe's context pointer: `ctx`, or `args` of a tracepoint (the same pointer). */
  private isContext(e: Expr): boolean {
    if (e.kind !== 'builtin') return false;
    if (e.name === 'ctx') return true;
    const p = this.providers();
    return e.name === 'args' && (p.includes('tracepoint') || p.includes('uprobe'));
  }

  /** Key count and types against the map's; tuples are not keys in 0.17. */
  private mapKeys(m: MapRef): void {
    let tupleKey = false;
    const keyTypes = m.keys.map((k) => {
      const t = this.expr(k, 'value');
      if (t.kind === 'tuple') tupleKey = true;
      return storageType(t);
    });
    if (tupleKey) {
      this.report('tupleAsMapKey', m.span);
      return;
    }
    if (m.keys.some((k) => this.isContext(k))) {
      this.report('contextAsKey', m.span);
      return;
    }
    const aggregateKey = m.keys.find((k) => isAggregate(k.type ?? { kind: 'none' }));
    if (aggregateKey) {
      const name = aggregateKey.kind === 'map' ? aggregateKey.name : 'value';
      this.report(
        'aggregateInExpression',
        aggregateKey.span,
        name,
        typeStr(aggregateKey.type ?? { kind: 'none' }),
      );
      return;
    }
    const info = this.program.maps.get(m.name);
    if (!info) return;
    const ok =
      info.key.length === keyTypes.length &&
      info.key.every((k, i) => {
        const n = keyTypes[i];
        return n !== undefined && (k.kind === 'none' || n.kind === 'none' || compatible(k, n));
      });
    if (!ok) {
      this.report(
        'mapKeyMismatch',
        m.span,
        m.name,
        keyTypes.map(keyTypeStr).join(', '),
        info.key.map(keyTypeStr).join(', '),
      );
    }
  }

  /**
   * 0.17 warns when arithmetic (+ - * / %) or a comparison mixes signed and unsigned
   * integers, unless one side is a non-negative literal (`pid > 0`), at the operator.
   */
  private signsDiffer(
    e: Binary,
    l: SizedType & { kind: 'int' },
    r: SizedType & { kind: 'int' },
  ): void {
    if (l.signed === r.signed) return;
    const literal = (x: Expr) => x.kind === 'integer' && x.value >= 0n;
    if (literal(e.left) || literal(e.right)) return;
    const what = ARITHMETIC_OPS.has(e.op)
      ? 'arithmetic on'
      : COMPARISON_OPS.has(e.op)
        ? 'comparison of'
        : undefined;
    if (what) this.report('signsDiffer', e.opSpan ?? e.span, what, typeStr(l), typeStr(r));
  }

  private expr(e: Expr, use: Use): SizedType {
    const t: SizedType = e.type ?? { kind: 'none' };
    switch (e.kind) {
      case 'integer':
      case 'positional':
      case 'identifier':
      case 'variable':
        return t;
      case 'string':
        if (use !== 'format' && stringByteLength(e.value) + 1 > this.config.strlen) {
          this.report('stringLiteralTooLong', e.span, this.config.strlen, e.value);
        }
        return t;
      case 'builtin':
        this.builtin(e);
        return t;
      case 'map': {
        this.mapKeys(e);
        const info = this.program.maps.get(e.name);
        if (!info || info.value.kind === 'none') this.report('undefinedMap', e.span, e.name);
        return t;
      }
      case 'call':
        this.call(e, use);
        return t;
      case 'binary': {
        const before = this.errorCount();
        const l = this.expr(e.left, 'value');
        const r = this.expr(e.right, 'value');
        if (this.errorCount() !== before) return t;
        if (l.kind === 'int' && r.kind === 'int') {
          this.signsDiffer(e, l, r);
          return t;
        }
        if (isIntLike(l) && isIntLike(r)) {
          // Pointers: comparisons, `p + n`, `n + p` and `p - n`; nothing else (not `p - q`).
          const comparison = ['==', '!=', '<', '<=', '>', '>='].includes(e.op);
          const offset =
            ((e.op === '+' || e.op === '-') && r.kind === 'int') ||
            (e.op === '+' && l.kind === 'int');
          if (!comparison && !offset) {
            this.report('comparisonOperands', e.opSpan ?? e.span, e.op, typeStr(l), typeStr(r));
          }
          return t;
        }
        if (l.kind === 'string' && r.kind === 'string') {
          if (e.op !== '==' && e.op !== '!=') {
            if (['<', '<=', '>', '>='].includes(e.op))
              this.report('comparisonOperands', e.opSpan ?? e.span, e.op, typeStr(l), typeStr(r));
            else this.report('binopMismatch', e.span, e.op, typeStr(l), typeStr(r));
          }
          return t;
        }
        // Equality of two values of one kind (stacks, symbols, addresses, tuples...),
        // compared byte for byte as 0.17 does; never of aggregations.
        if ((e.op === '==' || e.op === '!=') && compatible(l, r) && !isAggregate(l)) {
          return t;
        }
        this.report('binopMismatch', e.span, e.op, typeStr(l), typeStr(r));
        return t;
      }
      case 'unary': {
        const before = this.errorCount();
        const o = this.expr(e.operand, 'value');
        if (this.errorCount() !== before) return t;
        // bpftrace points at the operator.
        const opSpan = { ...e.span, endLine: e.span.line, endColumn: e.span.column + 1 };
        if (e.op === '*') {
          if (o.kind === 'record') this.report('derefRecord', e.span, o.name);
          else if (!isIntLike(o)) this.report('unaryInvalid', opSpan, e.op, typeStr(o));
          return t;
        }
        // 0.17 takes -, ! and ~ on integers only, not on pointers.
        if (o.kind !== 'int') this.report('unaryInvalid', opSpan, e.op, typeStr(o));
        return t;
      }
      case 'incdec': {
        if (e.target.kind === 'map') this.mapKeys(e.target);
        const tt = e.target.type ?? { kind: 'none' };
        if (tt.kind !== 'none' && !isIntLike(tt))
          this.report('unaryInvalid', e.span, e.op, typeStr(tt));
        return t;
      }
      case 'ternary': {
        // bpftrace points at the whole ternary.
        this.condition(e.cond, 'ternary', false, e.span);
        const before = this.errorCount();
        const a = this.expr(e.then, 'value');
        const b = this.expr(e.else, 'value');
        if (this.errorCount() !== before) return t;
        // 0.17 returns integers and strings only, judged by the first branch; then both
        // branches must be of one kind (an integer and a pointer are not).
        if (a.kind !== 'int' && a.kind !== 'string')
          this.report('ternaryUnsupported', e.span, kindStr(a));
        else if (a.kind !== b.kind || !compatible(a, b))
          this.report('ternaryMismatch', e.span, kindStr(a), kindStr(b));
        return t;
      }
      case 'field': {
        const before = this.errorCount();
        const base = this.expr(e.base, 'value');
        if (this.errorCount() !== before) return t;
        if (e.base.kind === 'builtin' && e.base.name === 'args') {
          // `args` is the context pointer in 0.17: `args.f` is refused as on any pointer.
          if (!e.arrow && base.kind === 'pointer')
            this.report('fieldOnPointer', e.span, e.field, `(ctx) ${typeStr(base)}`);
          return t;
        }
        if (e.resolved) return t;
        if (e.arrow) {
          // bpftrace's wording for `->` on a record value: it tried to dereference it.
          if (base.kind === 'record') this.report('derefRecord', e.span, base.name);
          else if (base.kind === 'pointer')
            this.report('fieldOnNonRecord', e.span, e.field, typeStr(base.target));
          else this.report('fieldOnNonRecord', e.span, e.field, typeStr(base));
        } else if (base.kind === 'pointer' && base.target.kind === 'record') {
          this.report('fieldOnPointer', e.span, e.field, typeStr(base));
        } else {
          this.report('fieldOnNonRecord', e.span, e.field, typeStr(base));
        }
        return t;
      }
      case 'index': {
        const before = this.errorCount();
        const base = this.expr(e.base, 'value');
        const idx = this.expr(e.index, 'value');
        if (this.errorCount() !== before) return t;
        if (base.kind !== 'array' && base.kind !== 'pointer') {
          this.report('indexOnNonArray', e.span, kindStr(base));
          return t;
        }
        if (!isIntLike(idx)) {
          this.report('indexNotInteger', e.index.span, kindStr(idx));
          return t;
        }
        const n = literalInt(e.index);
        if (base.kind === 'array' && n !== undefined && (n < 0n || n >= BigInt(base.count))) {
          this.report('indexOutOfBounds', e.span, n.toString(), base.count);
        }
        return t;
      }
      case 'tuple': {
        for (const x of e.elems) {
          const xt = this.expr(x, 'value');
          if (isAggregate(xt))
            this.report(
              'aggregateInExpression',
              x.span,
              x.kind === 'map' ? x.name : 'value',
              typeStr(xt),
            );
        }
        return t;
      }
      case 'tupleAccess': {
        const before = this.errorCount();
        const base = this.expr(e.base, 'value');
        if (this.errorCount() !== before) return t;
        if (base.kind !== 'tuple')
          this.report('tupleIndexOnNonTuple', e.span, e.index, typeStr(base));
        else if (e.index >= base.fields.length)
          this.report('tupleIndex', e.span, e.index, base.fields.length);
        return t;
      }
      case 'cast': {
        const before = this.errorCount();
        const o = this.expr(e.operand, 'value');
        if (this.errorCount() !== before || t.kind === 'none') return t;
        // bpftrace points at `(type)`.
        const head = {
          ...e.span,
          endLine: e.target.span.endLine,
          endColumn: e.target.span.endColumn + 1,
        };
        if (t.kind === 'array') {
          this.report('castInvalid', head, typeStr(o), typeStr(t));
        } else if (t.kind === 'record') {
          this.report('castToRecord', e.span, typeStr(t));
        } else if (t.kind === 'pointer') {
          // 0.17 casts any value to a pointer: one held in memory (a string such as comm, a
          // buffer, a tuple) becomes the address of its bytes.
        } else if (!isIntLike(o)) {
          this.report('castUnsupported', head, typeStr(o));
        }
        return t;
      }
      case 'sizeof':
        if (e.arg.kind === 'expr') this.expr(e.arg.expr, 'value');
        return t;
      default:
        return assertNever(e, 'expression');
    }
  }

  private builtin(b: Builtin): void {
    const providers = this.providers();
    const text = builtinText(b);
    const need = (allowed: ProbeProvider[], message: string) => {
      if (providers.some((p) => !allowed.includes(p))) {
        this.report('builtinWrongProbe', b.span, message);
        return false;
      }
      return true;
    };
    switch (b.name) {
      case 'arg':
        if (
          need(
            ['kprobe', 'uprobe', 'usdt', 'rawtracepoint'],
            `The ${text} builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes`,
          )
        ) {
          for (const t of this.probe?.targets ?? []) {
            if (t.usdt && (b.index ?? 0) >= t.usdt.args.length) {
              this.report('usdtArgIndex', b.span, t.name, t.usdt.args.length);
              return;
            }
          }
        }
        return;
      case 'sarg':
        need(
          ['kprobe', 'uprobe'],
          `The ${text} builtin can only be used with 'kprobes' and 'uprobes' probes`,
        );
        return;
      case 'retval':
        need(
          ['kretprobe', 'uretprobe', 'kretfunc'],
          "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'kfunc' probes",
        );
        return;
      case 'func': {
        const bad = providers.find(
          (p) =>
            !['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'usdt', 'kfunc', 'kretfunc'].includes(
              p,
            ),
        );
        if (bad)
          this.report(
            'builtinWrongProbe',
            b.span,
            `The func builtin can not be used with '${bad}' probes`,
          );
        return;
      }
      case 'args': {
        const bad = providers.find(
          (p) => !['tracepoint', 'kfunc', 'kretfunc', 'uprobe'].includes(p),
        );
        if (bad) {
          // 0.17 says "tracepoint/kfunc/uprobeprobes", without the space.
          this.report(
            'builtinWrongProbe',
            b.span,
            `The args builtin can only be used with tracepoint/kfunc/uprobe probes (${bad} used here)`,
          );
        }
        return;
      }
      case 'cpid':
        if (!this.options.hasChild) this.report('cpidWithoutChild', b.span);
        return;
      case 'ctx':
        if (providers.includes('tracepoint')) this.report('ctxInTracepoint', b.span);
        return;
      default:
        return;
    }
  }

  private arity(c: Call): boolean {
    const spec = FUNCTIONS.get(c.name);
    if (!spec) return false;
    const n = c.args.length;
    if (n >= spec.min && n <= spec.max) return true;
    if (spec.min === spec.max) {
      if (spec.min === 0) this.report('argCountNone', c.span, c.name, n);
      else if (spec.min === 1) this.report('argCountOne', c.span, c.name, n);
      else this.report('argCountExact', c.span, c.name, spec.min, n);
    } else if (n < spec.min) {
      this.report('argCountAtLeast', c.span, c.name, spec.min, n);
    } else {
      this.report('argCountAtMost', c.span, c.name, spec.max, n);
    }
    return false;
  }

  private evalArg(a: Expr, argUse: Use): SizedType {
    if (a.kind === 'identifier') return a.type ?? { kind: 'none' };
    return this.expr(a, a.kind === 'string' ? argUse : 'value');
  }

  private stringLiteralArg(c: Call, i: number): string | undefined {
    const a = c.args[i];
    if (a?.kind === 'string') return a.value;
    this.report('expectsLiteral', c.span, c.name, 'string', kindStr(a?.type ?? { kind: 'none' }));
    return undefined;
  }

  private intLiteralArg(c: Call, i: number): bigint | undefined {
    const a = c.args[i];
    const v = literalInt(a);
    if (v !== undefined) return v;
    this.report('expectsLiteral', c.span, c.name, 'integer', kindStr(a?.type ?? { kind: 'none' }));
    return undefined;
  }

  private call(c: Call, use: Use): void {
    const spec = FUNCTIONS.get(c.name);
    if (!spec) return; // reported by resolve types
    const formatLike = [
      'printf',
      'system',
      'cat',
      'debugf',
      'time',
      'strftime',
      'kaddr',
      'uaddr',
      'cgroupid',
      'reg',
      'join',
      'pton',
      'cgroup_path',
    ];
    const argUse: Use = formatLike.includes(c.name) ? 'format' : 'value';
    const a0 = c.args[0];
    if (
      (c.name === 'print' || c.name === 'clear' || c.name === 'zero') &&
      a0?.kind === 'map' &&
      a0.keys.length > 0
    ) {
      this.report('mapIndexed', c.span, c.name);
      return;
    }
    const before = this.errorCount();
    // print(@m), clear(@m), zero(@m) name a whole map: no key to check.
    const wholeMap = (a: Expr, i: number) =>
      i === 0 &&
      a.kind === 'map' &&
      a.keys.length === 0 &&
      ['print', 'clear', 'zero'].includes(c.name);
    for (const a of c.args.filter(wholeMap)) {
      if (a.kind !== 'map') continue;
      const info = this.program.maps.get(a.name);
      if (!info || info.value.kind === 'none') this.report('undefinedMap', a.span, a.name);
    }
    const types = c.args.map((a, i) =>
      wholeMap(a, i) ? (a.type ?? { kind: 'none' as const }) : this.evalArg(a, argUse),
    );
    if (spec.kind === 'aggregate' && use !== 'mapValue') {
      this.report('aggregateNotAssigned', c.span, c.name);
      return;
    }
    if (spec.kind === 'action' && use !== 'statement') {
      this.report('actionAsValue', c.span, c.name);
      return;
    }
    if (!this.arity(c)) return;
    if (spec.unsafe && !this.options.unsafe) {
      this.report('unsafeFunction', c.span, c.name);
      return;
    }
    if (this.errorCount() !== before) return;
    const t0 = types[0] ?? { kind: 'none' };
    const t1 = types[1] ?? { kind: 'none' };
    const intArgs = (what: string, ...idx: number[]) => {
      for (const i of idx) {
        const t = types[i] ?? { kind: 'none' };
        const okType = what === 'integer' ? t.kind === 'int' : isIntLike(t);
        if (!okType) {
          this.report('onlySupports', c.span, c.name, what, kindStr(t));
          return false;
        }
      }
      return true;
    };
    switch (c.name) {
      case 'sum':
      case 'min':
      case 'max':
      case 'avg':
      case 'stats':
      case 'hist':
        intArgs('integer', 0);
        return;
      case 'lhist':
        this.lhist(c, types);
        return;
      case 'printf':
      case 'system':
      case 'cat':
      case 'debugf': {
        const fmt = this.stringLiteralArg(c, 0);
        if (fmt === undefined) return;
        this.format(c, fmt, types.slice(1));
        if (c.name === 'debugf') this.report('debugf', c.span);
        return;
      }
      case 'print': {
        const a = c.args[0];
        if (a?.kind === 'map') {
          if (a.keys.length > 0) {
            this.report('mapIndexed', c.span, 'print');
            return;
          }
          for (let i = 1; i < c.args.length; i++)
            if (this.intLiteralArg(c, i) === undefined) return;
          if (c.args.length > 1 && t0.kind === 'stats') this.report('mapTopDivIgnored', c.span);
          return;
        }
        if (c.args.length > 1) this.report('nonMapPrintArgs', c.span, c.args.length);
        // 0.17 prints values user space can render, structs included, but not addresses.
        else if (t0.kind === 'pointer') {
          // The context pointer `args` is "(ctx) struct uprobe_args *" in 0.17's words.
          const ctx = c.args[0]?.kind === 'builtin' && c.args[0].name === 'args' ? '(ctx) ' : '';
          this.report('notPrintable', c.span, ctx + typeStr(t0));
        }
        return;
      }
      case 'clear':
      case 'zero': {
        const a = c.args[0];
        if (a?.kind !== 'map') this.report('mapExpected', c.span, c.name);
        else if (a.keys.length > 0) this.report('mapIndexed', c.span, c.name);
        return;
      }
      case 'delete':
        if (c.args[0]?.kind !== 'map') this.report('mapExpected', c.span, c.name);
        return;
      case 'time':
        if (c.args.length === 1) this.stringLiteralArg(c, 0);
        return;
      case 'join':
        if (!isIntLike(t0))
          this.report('onlySupports', c.span, c.name, 'integer or pointer', kindStr(t0));
        else if (c.args.length === 2) this.stringLiteralArg(c, 1);
        return;
      case 'signal': {
        const a = c.args[0];
        if (a?.kind === 'string') {
          // 0.17 takes a name in any case, with or without `SIG`: "KILL", "sigkill".
          const name = `SIG${a.value.toUpperCase().replace(/^SIG/, '')}`;
          if (!SIGNALS.has(name)) this.report('invalidSignal', c.span, a.value);
        } else if (!isIntLike(t0)) {
          this.report('onlySupports', c.span, c.name, 'integer or signal name', kindStr(t0));
        } else {
          const v = literalInt(a);
          if (v !== undefined && (v < 1n || v > 64n))
            this.report('invalidSignal', c.span, v.toString());
        }
        this.notIn(c, ['BEGIN', 'END', 'interval', 'watchpoint']);
        return;
      }
      case 'override':
        intArgs('integer', 0);
        if (this.providers().some((p) => p !== 'kprobe')) {
          this.report('callNotAllowed', c.span, 'override() can only be used with kprobes');
        }
        return;
      case 'unwatch':
        intArgs('integer', 0);
        return;
      case 'str':
        if (!isIntLike(t0)) this.report('strFirstArg', c.span, typeStr(t0));
        else if (c.args.length === 2) intArgs('integer', 1);
        return;
      case 'buf':
        if (!isIntLike(t0) && t0.kind !== 'array' && t0.kind !== 'string') {
          this.report('onlySupports', c.span, c.name, 'integer, pointer or array', kindStr(t0));
        } else if (c.args.length === 2) {
          intArgs('integer', 1);
        } else if (t0.kind !== 'array') {
          // Only an array knows its length; 0.17 wants one even for a string.
          this.report('bufNeedsLength', c.span, kindStr(t0));
        }
        return;
      case 'ksym':
      case 'usym':
        if (!isIntLike(t0)) this.report('expectsIntOrPointer', c.span, c.name);
        return;
      case 'kaddr': {
        const name = this.stringLiteralArg(c, 0);
        if (name === undefined) return;
        const addr = this.hostCall(c, () => this.host.kernelSymbol(name));
        if (addr === null) return;
        if (addr === undefined) this.report('kernelSymbolNotFound', c.span, name);
        else c.resolved = addr;
        return;
      }
      case 'uaddr': {
        const name = this.stringLiteralArg(c, 0);
        if (name === undefined) return;
        const targets = this.probe?.targets ?? [];
        const bad = targets.find((t) => !['uprobe', 'uretprobe', 'usdt'].includes(t.provider));
        if (bad) {
          this.report('notInProbe', c.span, 'uaddr', bad.provider);
          return;
        }
        for (const t of targets) {
          if (
            t.attach.kind !== 'uprobe' &&
            t.attach.kind !== 'uretprobe' &&
            t.attach.kind !== 'usdt'
          )
            continue;
          // uaddr names data (STT_OBJECT), as 0.17 resolves it.
          const path = t.attach.path;
          const syms = this.hostCall(c, () => this.host.elfSymbols(path));
          if (syms === null) return;
          const sym = syms.find((s) => s.name === name && s.kind === 'object');
          if (!sym) {
            this.report('symbolNotFound', c.span, `${t.attach.path}:${name}`);
            return;
          }
          c.resolved = sym.address;
        }
        return;
      }
      case 'reg': {
        const name = this.stringLiteralArg(c, 0);
        if (name === undefined) return;
        // Registers come from the probe's pt_regs; these probes have none.
        this.notIn(c, ['BEGIN', 'END', 'tracepoint', 'rawtracepoint', 'kfunc', 'kretfunc']);
        if (!X86_REGISTERS.has(name)) this.report('invalidRegister', c.span, name);
        return;
      }
      case 'cgroupid': {
        const path = this.stringLiteralArg(c, 0);
        if (path === undefined) return;
        const host = this.host;
        if (!host.cgroupId) {
          this.report('hostError', c.span, 'cgroupid()', 'this host cannot read cgroup ids');
          return;
        }
        const id = this.hostCall(c, () => host.cgroupId?.(path));
        if (id === null) return;
        if (id === undefined) this.report('cgroupNotFound', c.span, path);
        else c.resolved = id;
        return;
      }
      case 'ntop': {
        const addr = c.args.length === 2 ? t1 : t0;
        if (c.args.length === 2 && !isIntLike(t0)) {
          this.report('onlySupports', c.span, c.name, 'integer', kindStr(t0));
          return;
        }
        const okArray =
          (addr.kind === 'array' || addr.kind === 'string') &&
          (addr.size === 4 || addr.size === 16);
        if (!isIntLike(addr) && !okArray) this.report('ntopSize', c.span);
        return;
      }
      case 'pton': {
        const text = this.stringLiteralArg(c, 0);
        if (text === undefined) return;
        const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
        const okV4 = v4 !== null && v4.slice(1).every((x) => Number(x) <= 255);
        const okV6 =
          !okV4 && /^[0-9a-fA-F:.]+$/.test(text) && text.includes(':') && ipv6Valid(text);
        if (!okV4 && !okV6) this.report('invalidAddress', c.span, text);
        return;
      }
      case 'strncmp':
        if (t0.kind !== 'string' || t1.kind !== 'string') {
          this.report(
            'onlySupports',
            c.span,
            c.name,
            'string',
            kindStr(t0.kind !== 'string' ? t0 : t1),
          );
          return;
        }
        this.intLiteralArg(c, 2);
        return;
      case 'strcontains':
        if (t0.kind !== 'string' || t1.kind !== 'string') {
          this.report(
            'onlySupports',
            c.span,
            c.name,
            'string',
            kindStr(t0.kind !== 'string' ? t0 : t1),
          );
        }
        return;
      case 'strftime':
        if (this.stringLiteralArg(c, 0) !== undefined) intArgs('integer', 1);
        return;
      case 'path':
        if (!isIntLike(t0)) this.report('onlySupports', c.span, c.name, 'pointer', kindStr(t0));
        else if (this.providers().some((p) => p !== 'kfunc' && p !== 'kretfunc')) {
          this.report(
            'callNotAllowed',
            c.span,
            "The path function can only be used with 'kfunc', 'kretfunc', 'iter' probes",
          );
        }
        return;
      case 'uptr':
      case 'kptr':
        intArgs('integer or pointer', 0);
        return;
      case 'macaddr':
        if (!isIntLike(t0) && !((t0.kind === 'array' || t0.kind === 'string') && t0.size === 6)) {
          this.report('onlySupports', c.span, c.name, 'pointer or 6-byte array', kindStr(t0));
        }
        return;
      case 'cgroup_path':
        if (intArgs('integer', 0) && c.args.length === 2 && t1.kind !== 'string') {
          this.report('onlySupports', c.span, c.name, 'string', kindStr(t1));
        }
        return;
      case 'bswap':
      case 'strerror':
        intArgs('integer', 0);
        return;
      case 'kstack':
      case 'ustack':
        this.stack(c);
        return;
      case 'skboutput':
        this.stringLiteralArg(c, 0);
        return;
      case 'exit':
      case 'count':
      default:
        return;
    }
  }

  /**
   * A host lookup for a compile-time function; a host failure (an unreadable file) is the
   * user's problem and becomes a diagnostic. Returns null after reporting it.
   */
  private hostCall<T>(c: Call, f: () => T): T | null {
    try {
      return f();
    } catch (e) {
      if (e instanceof InternalError || !(e instanceof Error)) throw e;
      this.report('hostError', c.span, `${c.name}()`, e.message);
      return null;
    }
  }

  private notIn(c: Call, providers: ProbeProvider[]): void {
    const bad = this.providers().find((p) => providers.includes(p));
    if (bad) this.report('notInProbe', c.span, c.name, bad);
  }

  private stack(c: Call): void {
    for (const [i, a] of c.args.entries()) {
      if (a.kind === 'identifier' && i === 0) {
        continue;
      }
      if (i === 0 && c.args.length === 2) {
        this.report(
          'expectsLiteral',
          c.span,
          c.name,
          'stack mode',
          kindStr(a.type ?? { kind: 'none' }),
        );
        return;
      }
      const v = literalInt(a);
      if (v === undefined) {
        this.report(
          'expectsLiteral',
          c.span,
          c.name,
          'integer',
          kindStr(a.type ?? { kind: 'none' }),
        );
        return;
      }
      if (v > BigInt(MAX_STACK_LIMIT)) {
        this.report('stackLimitTooLarge', c.span, c.name, MAX_STACK_LIMIT, v.toString());
        return;
      }
      if (v < 1n) {
        this.report('stackLimit', c.span, c.name, MAX_STACK_LIMIT);
        return;
      }
    }
  }

  private lhist(c: Call, types: SizedType[]): void {
    const t0 = types[0] ?? { kind: 'none' };
    if (t0.kind !== 'int') {
      this.report('onlySupports', c.span, c.name, 'integer', kindStr(t0));
      return;
    }
    const min = this.intLiteralArg(c, 1);
    if (min === undefined) return;
    const max = this.intLiteralArg(c, 2);
    if (max === undefined) return;
    const step = this.intLiteralArg(c, 3);
    if (step === undefined) return;
    if (step < 1n) {
      this.report('lhistStep', c.span, literalText(c.args[3]));
      return;
    }
    if (min < 0n) {
      this.report('lhistMinNegative', c.span, min.toString());
      return;
    }
    if (min >= max) {
      this.report('lhistRange', c.span, min.toString(), max.toString());
      this.report('lhistStepTooLarge', c.span, step.toString(), (max - min).toString());
      return;
    }
    if (step > max - min) {
      this.report('lhistStepTooLarge', c.span, step.toString(), (max - min).toString());
      return;
    }
    const buckets = (max - min) / step;
    if (buckets > 1000n) this.report('lhistTooManyBuckets', c.span, buckets.toString());
  }

  private format(c: Call, fmt: string, args: SizedType[]): void {
    const parsed = parseFormat(fmt);
    if ('error' in parsed) {
      this.report('printfBadSpec', c.span, c.name, parsed.error);
      return;
    }
    const specs: FormatSpecifier[] = parsed.specs;
    if (args.length > MAX_PRINTF_ARGS) {
      this.report('printfTooManyArgs', c.span, c.name, MAX_PRINTF_ARGS);
      return;
    }
    if (args.length < specs.length) {
      this.report('printfNotEnough', c.span, c.name, args.length, specs.length);
      return;
    }
    if (args.length > specs.length) {
      this.report('printfTooMany', c.span, c.name, args.length, specs.length);
      return;
    }
    specs.forEach((s, i) => {
      const t = args[i] ?? { kind: 'none' };
      const want = s.wants;
      const ok =
        want === 'integer'
          ? isIntLike(t)
          : want === 'string'
            ? TEXT_KINDS.has(t.kind)
            : t.kind === 'buffer';
      if (!ok) this.report('printfSpecType', c.span, c.name, s.conversion, want, printfKind(t));
    });
  }
}

const ARITHMETIC_OPS = new Set(['+', '-', '*', '/', '%']);
const COMPARISON_OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** 0.17 widens every integer map key to a u64, and names it so in key mismatch messages. */
function keyTypeStr(t: SizedType): string {
  return t.kind === 'int' ? 'unsigned int64' : typeStr(t);
}

function ipv6Valid(text: string): boolean {
  const doubles = text.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = text.split(':').filter((g) => g !== '');
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return doubles === 1 ? groups.length < 8 : groups.length === 8;
}

export function runCheckTypes(
  program: CheckedProgram,
  host: CompilerHost,
  options: CheckOptions,
  config: FrontConfig,
  bag: DiagnosticBag,
): void {
  new Checker(program, host, options, config, bag).run();
}
