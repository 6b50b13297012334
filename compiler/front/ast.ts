// The syntax tree of a bpftrace 0.17 program, as the parser builds it and as the semantic
// passes annotate it. Code generation lowers a CheckedProgram (bottom of this file).
//
// Spans: lines and columns are 1-based; endColumn is exclusive (bpftrace prints `1:13-19` for
// the six characters at columns 13..18).
//
// Records: a `record` type carries its fields; a record reached through a pointer may carry
// an empty `fields` list (BTF types are recursive and SizedType is plain JSON), so passes
// look records up by name when they dereference; resolved field accesses carry everything
// code generation needs.
//
// What the passes guarantee once `check()` returns a program without errors:
//  - Every Expr has `type` set (never undefined); integer expressions are 64-bit as in
//    bpftrace 0.17 (`int` of size 8) except casts and memory reads (struct fields, tracepoint
//    fields, array elements), which carry their own size; map keys, map values, variables
//    and tuple elements widen integers to 8 bytes (MapInfo, Probe.variables, tuple types).
//  - Positional parameters are gone: `$1` became an IntegerLiteral (or a StringLiteral when
//    used as `str($1)`, which replaces the whole call), `$#` an IntegerLiteral.
//  - `sizeof(...)` carries its byte count in `size`; `unroll(N)` its count in `count`.
//  - Compound assignments are desugared by the parser: `@x[k] += v` is an Assignment whose
//    value is Binary(+, Map(@x[k]), v) (keys evaluated twice, as bpftrace 0.17 does);
//    `compound` records the operator for printing only.
//  - Identifiers are gone except as kstack/ustack mode arguments (enum constants and
//    #define values became IntegerLiterals).
//  - Builtins are Builtin nodes with a name from BuiltinName (`arg3` is {name:'arg', index:3}).
//  - Field accesses (`->`, `.`) carry `field` (offset, type, bitfield, __data_loc) resolved
//    from BTF, a C definition in the script or a tracepoint format. For tracepoint `args`
//    in a block with several targets, `perTarget[i]` is the field for `probe.targets[i]`
//    (offset and type as that event lays it out: integer sizes and string lengths may
//    differ between events, and the expression's `type` is then the widest; other
//    differences fail the check).
//  - Every probe has its attach points expanded into `targets` (wildcards matched against
//    the host; libraries resolved to paths; USDT notes found). A probe has at least one
//    target, except a kprobe wildcard on a host that cannot list kernel functions: it
//    expands to none with a warning, as in 0.17. The program has at least one target.
//  - Map keys and values have one type across the whole program (CheckedProgram.maps).
//  - Scratch variables ($x) have one type per probe block (Probe.variables), as in 0.17
//    where a variable is visible from its first assignment to the end of the block.
import type { AttachTarget, ProgType, SourceSpan } from '../artifact.js';
import type { UsdtProbe } from '../host.js';
import type { SizedType } from '../types.js';
import type { CDefinitions } from './c-definitions.js';

export type Span = SourceSpan;

// ---------------------------------------------------------------------------------------
// Expressions

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'
  | '^'
  | '<<'
  | '>>'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '&&'
  | '||';

/** `-x`, `!x`, `~x`, `*p` (dereference). */
export type UnaryOp = '-' | '!' | '~' | '*';

export type BuiltinName =
  | 'pid'
  | 'tid'
  | 'uid'
  | 'gid'
  | 'nsecs'
  | 'elapsed'
  | 'numaid'
  | 'cpu'
  | 'curtask'
  | 'rand'
  | 'ctx'
  | 'comm'
  | 'kstack'
  | 'ustack'
  | 'arg' /* arg0..argN: `index` says which */
  | 'sarg' /* sarg0..sargN: stack arguments */
  | 'retval'
  | 'func'
  | 'probe'
  | 'username'
  | 'cgroup'
  | 'cpid'
  | 'args';

interface ExprBase {
  span: Span;
  /** Set by the resolve-types pass; always present on a checked program. */
  type?: SizedType;
}

export interface IntegerLiteral extends ExprBase {
  kind: 'integer';
  /** Exact value; literals above 2^63-1 keep their unsigned value. */
  value: bigint;
}

export interface StringLiteral extends ExprBase {
  kind: 'string';
  /** Escapes already decoded. Its type is string of value length + 1 (the NUL). */
  value: string;
}

/** `$1`..`$N` (index >= 1) and `$#` (index 0, `count` true). Removed by the scopes pass. */
export interface PositionalParam extends ExprBase {
  kind: 'positional';
  index: number;
  count: boolean;
}

export interface Builtin extends ExprBase {
  kind: 'builtin';
  name: BuiltinName;
  /** For `arg`/`sarg`: the N in argN. */
  index?: number;
}

/**
 * A bare identifier: an enum constant (replaced by an IntegerLiteral during checking) or the
 * mode argument of `kstack(perf)` / `ustack(bpftrace, 5)` (kept; its type is `none`).
 */
export interface Identifier extends ExprBase {
  kind: 'identifier';
  name: string;
}

/** `$name`: a scratch variable of the enclosing probe block. */
export interface Variable extends ExprBase {
  kind: 'variable';
  /** With the `$`. */
  name: string;
}

/** `@name[keys]`; `@name` alone has no keys; `@` is the map named `@`. */
export interface MapRef extends ExprBase {
  kind: 'map';
  /** With the `@` (`@`, `@lat`). */
  name: string;
  /** Each key part; a scalar map has none. Types are in CheckedProgram.maps. */
  keys: Expr[];
}

export interface Call extends ExprBase {
  kind: 'call';
  /** The function name as written (`printf`, `hist`, `str`, ...). */
  name: string;
  args: Expr[];
  /** Span of the name alone (bpftrace points errors about the call there). */
  nameSpan: Span;
  /** Set by check types for compile-time functions: `kaddr`/`uaddr`'s address, `cgroupid`'s id. */
  resolved?: bigint;
}

export interface Binary extends ExprBase {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  /** The operator token (bpftrace points some operand errors there). */
  opSpan?: Span;
}

export interface Unary extends ExprBase {
  kind: 'unary';
  op: UnaryOp;
  operand: Expr;
}

/** `x++`, `++x`, `x--`, `--x` on a map or a variable. The value is the old or new value. */
export interface IncDec extends ExprBase {
  kind: 'incdec';
  op: '++' | '--';
  prefix: boolean;
  target: MapRef | Variable;
}

export interface Ternary extends ExprBase {
  kind: 'ternary';
  cond: Expr;
  then: Expr;
  else: Expr;
}

/** A field resolved to its place in the enclosing record. */
export interface ResolvedField {
  name: string;
  offset: number;
  /** The field's type as read (char arrays are strings, as 0.17). */
  type: SizedType;
  bitOffset?: number;
  bitSize?: number;
  /**
   * A tracepoint `__data_loc` field: the 32-bit value at `offset` holds (len << 16 | off);
   * the field's value is the pointer `ctx + (value & 0xffff)` (type: pointer to the data).
   */
  dataLoc?: boolean;
}

/** `base->field` (`arrow`) or `base.field`. */
export interface FieldAccess extends ExprBase {
  kind: 'field';
  base: Expr;
  field: string;
  arrow: boolean;
  /** Set by resolve types. */
  resolved?: ResolvedField;
  /** Tracepoint `args->f` in a block with several targets: the field per target index. */
  perTarget?: ResolvedField[];
}

/** `base[index]`: array element or pointer arithmetic and read. */
export interface IndexAccess extends ExprBase {
  kind: 'index';
  base: Expr;
  index: Expr;
}

export interface TupleLiteral extends ExprBase {
  kind: 'tuple';
  elems: Expr[];
}

/** `t.0`: element `index` of a tuple. */
export interface TupleAccess extends ExprBase {
  kind: 'tupleAccess';
  base: Expr;
  index: number;
}

/** A type as written in a cast or sizeof: `uint8`, `struct task_struct *`, `int8[4]`. */
export interface TypeName {
  span: Span;
  /** The base name as written: `uint32`, `struct foo`, `union bar`, `foo` (a typedef). */
  name: string;
  /** Number of `*`. */
  pointerDepth: number;
  /** `[N]` suffix, when present. */
  arrayCount?: number;
}

export interface Cast extends ExprBase {
  kind: 'cast';
  target: TypeName;
  operand: Expr;
}

export interface SizeOf extends ExprBase {
  kind: 'sizeof';
  arg: { kind: 'type'; typeName: TypeName } | { kind: 'expr'; expr: Expr };
  /** Set by resolve types: the byte count. */
  size?: number;
}

export type Expr =
  | IntegerLiteral
  | StringLiteral
  | PositionalParam
  | Builtin
  | Identifier
  | Variable
  | MapRef
  | Call
  | Binary
  | Unary
  | IncDec
  | Ternary
  | FieldAccess
  | IndexAccess
  | TupleLiteral
  | TupleAccess
  | Cast
  | SizeOf;

// ---------------------------------------------------------------------------------------
// Statements

interface StmtBase {
  span: Span;
}

/** A bare expression (a call such as printf, or `@x++`). */
export interface ExprStatement extends StmtBase {
  kind: 'exprStmt';
  expr: Expr;
}

/** `@m[k] = v`, `$x = v`; compound forms are already desugared (see the top comment). */
export interface Assignment extends StmtBase {
  kind: 'assign';
  target: MapRef | Variable;
  value: Expr;
  /** The span of the `=` (or `+=`) token: bpftrace points variable type errors there. */
  opSpan: Span;
  /** `+=` etc. as written, for printing; the value already holds the operation. */
  compound?: BinaryOp;
}

export interface If extends StmtBase {
  kind: 'if';
  cond: Expr;
  then: Statement[];
  /** `else if` is an else holding one If. */
  else?: Statement[];
}

export interface Unroll extends StmtBase {
  kind: 'unroll';
  /** As written (an integer literal or a positional parameter). */
  countExpr: Expr;
  /** Set by resolve types: 1..100. */
  count?: number;
  /** `unroll(N)` without the body, where bpftrace points count errors. */
  headSpan?: Span;
  body: Statement[];
}

export interface While extends StmtBase {
  kind: 'while';
  cond: Expr;
  body: Statement[];
}

export interface Jump extends StmtBase {
  kind: 'break' | 'continue' | 'return';
}

/** A bare `{ ... }`: 0.17 has none, so the parser never builds one (kept for later syntax). */
export interface Block extends StmtBase {
  kind: 'block';
  body: Statement[];
}

export type Statement = ExprStatement | Assignment | If | Unroll | While | Jump | Block;

// ---------------------------------------------------------------------------------------
// Probes

export type ProbeProvider =
  | 'BEGIN'
  | 'END'
  | 'tracepoint'
  | 'rawtracepoint'
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'usdt'
  | 'profile'
  | 'interval'
  | 'software'
  | 'hardware'
  | 'watchpoint'
  | 'kfunc'
  | 'kretfunc';

/** One attach point as written (`t:syscalls:sys_enter_open*`). */
export interface AttachPoint {
  span: Span;
  /** The raw text. */
  text: string;
  /** Set by resolve probes: the provider with aliases expanded. */
  provider?: ProbeProvider;
}

/** One expanded attach point: what becomes one BPF program. */
export interface ProbeTarget {
  /** The full probe name (`tracepoint:syscalls:sys_enter_read`): the `probe` builtin. */
  name: string;
  provider: ProbeProvider;
  progType: ProgType;
  attach: AttachTarget;
  /** Index into Probe.attachPoints of the attach point this came from. */
  attachPoint: number;
  /** USDT: the note, with its argument locations (for arg0..argN). */
  usdt?: UsdtProbe;
  /** Tracepoint: the record `args` points to (all fields, common ones included). */
  tracepointArgs?: SizedType & { kind: 'record' };
  /** Tracepoint: names of the `__data_loc` fields of tracepointArgs. */
  tracepointDataLoc?: string[];
  /** kfunc/kretfunc: the record built from the BTF prototype (each argument 8 bytes). */
  funcArgs?: SizedType & { kind: 'record' };
}

export interface Probe {
  span: Span;
  attachPoints: AttachPoint[];
  predicate?: Expr;
  body: Statement[];
  /** Set by resolve probes. */
  targets: ProbeTarget[];
  /** Set by the scopes/types passes: the type of each `$var` used in this block. */
  variables: Map<string, SizedType>;
}

/** `#include <...>` and `#define` lines are kept with their spans. */
export interface Preprocessor {
  span: Span;
  text: string;
}

/** The parser's output. */
export interface Program {
  source: { name: string; text: string };
  /**
   * From the end of the last preprocessor directive or C definition (else the start) to the
   * end of the input, blanks and comments included: where 0.17 reports a program without
   * probes.
   */
  tail: Span;
  preprocessor: Preprocessor[];
  /** Struct, union, enum and typedef definitions written in the script. */
  cDefinitions: CDefinitions;
  probes: Probe[];
}

// ---------------------------------------------------------------------------------------
// The checked program: what code generation receives.

export interface MapInfo {
  /** With the `@`. */
  name: string;
  /** Key parts in order (empty for a scalar map); integers widened to 8 bytes as 0.17. */
  key: SizedType[];
  /** The value type; aggregations are `count`, `hist`, `lhist`, ... */
  value: SizedType;
  /** Where the map was first assigned (or first used). */
  span: Span;
}

export interface CheckedProgram extends Program {
  /** Every user map by name (`@`, `@lat`), in first-use order. */
  maps: Map<string, MapInfo>;
  /** Positional parameters as given (`$1` is params[0]). */
  params: string[];
  /** Settings from the environment (BPFTRACE_STRLEN ...), already validated. */
  config: { strlen: number; mapKeysMax: number; perfRbPages: number };
  /** What the run needs: `--unsafe` for system()/signal(), `-c` for cpid, elapsed's map. */
  needs: { unsafe: boolean; cpid: boolean; elapsed: boolean };
}
