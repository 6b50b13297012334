// Pass: resolve types. Gives every expression its SizedType, every scratch variable its
// type per probe block and every map its key and value types, and resolves field accesses
// (BTF, the script's C definitions, tracepoint formats). Like bpftrace 0.17's semantic
// analyser it walks the program more than once, so a map read before the block that assigns
// it still gets the assigned type; only the last walk reports. It reports only what stops
// typing (unknown names, fields, types); check types reports the rest.
import { assertNever } from '../debug.js';
import type { DiagnosticArgs, DiagnosticBag, DiagnosticKey } from '../diagnostics.js';
import type {
  Builtin,
  Call,
  CheckedProgram,
  Expr,
  FieldAccess,
  MapInfo,
  Probe,
  ProbeTarget,
  ResolvedField,
  Span,
  Statement,
  TypeName,
} from '../front/ast.js';
import type { RecordType } from '../front/c-definitions.js';
import type { CompilerHost } from '../host.js';
import type { SizedType } from '../types.js';
import { int64, isAggregate, sizeOf, uint64 } from '../types.js';
import { lookupNamedType, lookupRecord } from './c-types.js';
import type { CType } from '../host.js';
import { dwarfRecord, uprobeArgs } from './uprobe-args.js';
import { DEFAULT_STACK_LIMIT, FUNCTIONS } from './functions.js';
import type { FrontConfig } from './options.js';
import { STACK_MODES } from './scopes.js';
import { compatible, mergeTypes, storageType, tupleOf, typeStr } from './type-names.js';
import { closest } from './suggest.js';
import { BUILTIN_NAMES } from '../front/builtins.js';
import { INTEGER_TYPE_NAMES } from '../front/parser.js';
import { stringByteLength } from '../front/strings.js';

const NONE: SizedType = { kind: 'none' };
const MAX_I64 = (1n << 63n) - 1n;

function intType(size: 1 | 2 | 4 | 8, signed: boolean): SizedType {
  return { kind: 'int', size, signed };
}

export function integerCastType(name: string): SizedType | undefined {
  if (!INTEGER_TYPE_NAMES.has(name)) return undefined;
  const signed = !name.startsWith('u');
  const bits = Number(name.replace(/^u?int/, ''));
  return intType((bits / 8) as 1 | 2 | 4 | 8, signed);
}

/** Whether a provider's `func`/`arg` values are kernel or user addresses. */
function isUserProvider(t: ProbeTarget | undefined): boolean {
  return t?.provider === 'uprobe' || t?.provider === 'uretprobe' || t?.provider === 'usdt';
}

/** Why a uprobe probe's `args` could not be built: reported where `args` is used. */
interface UprobeArgsError {
  key: 'noDebuginfo' | 'mixedArgs';
  span: Span;
  binary: string;
}

class Typer {
  private probe: Probe | undefined;
  /** When true nothing is reported: an early walk only learns map and variable types. */
  silent = true;
  /** uprobe `args` per probe: undefined until first used, null when built without error. */
  private readonly uprobeArgsState = new Map<Probe, UprobeArgsError | null>();
  private readonly uprobeArgsReported = new Set<Probe>();
  /** DWARF records that uprobe parameters (and their records) point to, by name. */
  private readonly dwarfPointees = new Map<string, CType>();
  private readonly dwarfRecords = new Map<string, RecordType>();

  constructor(
    private readonly program: CheckedProgram,
    private readonly host: CompilerHost,
    private readonly config: FrontConfig,
    private readonly bag: DiagnosticBag,
  ) {}

  private report<K extends DiagnosticKey>(key: K, span: Span, ...args: DiagnosticArgs<K>): void {
    if (!this.silent) this.bag.report(key, span, ...args);
  }

  /** Reports with a "did you mean" hint when a close name exists. */
  private reportHinted<K extends DiagnosticKey>(
    suggestion: string | undefined,
    key: K,
    span: Span,
    ...args: DiagnosticArgs<K>
  ): void {
    if (this.silent) return;
    const d = this.bag.report(key, span, ...args);
    if (suggestion !== undefined) d.hints = [`did you mean '${suggestion}'?`];
  }

  walk(): void {
    for (const p of this.program.probes) {
      this.probe = p;
      p.variables = new Map();
      if (p.predicate) this.expr(p.predicate);
      this.statements(p.body);
    }
    this.probe = undefined;
  }

  private statements(list: Statement[]): void {
    for (const s of list) this.statement(s);
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'exprStmt':
        this.expr(s.expr);
        return;
      case 'assign': {
        const value = this.expr(s.value);
        if (s.target.kind === 'map') {
          const keys = s.target.keys.map((k) => this.expr(k));
          this.learnMap(s.target.name, keys, value, s.target.span);
          s.target.type = this.program.maps.get(s.target.name)?.value ?? value;
        } else {
          const vars = this.probe?.variables;
          const have = vars?.get(s.target.name);
          const slot = storageType(value);
          // uprobe `args` cannot be held in a variable (check types says so).
          const uprobeArgs =
            s.value.kind === 'builtin' &&
            s.value.name === 'args' &&
            this.firstTarget()?.provider === 'uprobe';
          if (value.kind !== 'none' && !isAggregate(value) && !uprobeArgs) {
            if (!have || have.kind === 'none') vars?.set(s.target.name, slot);
            else if (compatible(have, slot)) vars?.set(s.target.name, mergeTypes(have, slot));
          }
          s.target.type = vars?.get(s.target.name) ?? slot;
        }
        return;
      }
      case 'if':
        this.expr(s.cond);
        this.statements(s.then);
        if (s.else) this.statements(s.else);
        return;
      case 'unroll': {
        const t = this.expr(s.countExpr);
        if (s.countExpr.kind === 'integer' && t.kind === 'int') s.count = Number(s.countExpr.value);
        this.statements(s.body);
        return;
      }
      case 'while':
        this.expr(s.cond);
        this.statements(s.body);
        return;
      case 'break':
      case 'continue':
      case 'return':
        return;
      case 'block':
        this.statements(s.body);
        return;
    }
  }

  /** Records a map's key and value types the first time they are known. */
  private learnMap(
    name: string,
    keys: SizedType[],
    value: SizedType | undefined,
    span: Span,
  ): void {
    const maps = this.program.maps;
    let info = maps.get(name);
    const keyTypes = keys.map(storageType);
    if (!info) {
      info = { name, key: keyTypes, value: NONE, span };
      maps.set(name, info);
    }
    if (info.value.kind === 'none' && value && value.kind !== 'none') {
      info.value = storageType(value);
      info.span = span;
    } else if (value && compatible(info.value, storageType(value)) && !isAggregate(value)) {
      info.value = mergeTypes(info.value, storageType(value));
    }
    if (info.key.length === keyTypes.length) {
      info.key = info.key.map((k, i) => {
        const n = keyTypes[i];
        if (!n) return k;
        if (k.kind === 'none') return n;
        return compatible(k, n) ? mergeTypes(k, n) : k;
      });
    }
  }

  expr(e: Expr): SizedType {
    const t = this.compute(e);
    e.type = t;
    return t;
  }

  private compute(e: Expr): SizedType {
    switch (e.kind) {
      case 'integer':
        return e.value > MAX_I64 ? uint64 : int64;
      case 'string':
        return { kind: 'string', size: stringByteLength(e.value) + 1 };
      case 'positional':
        // Replaced by the scopes pass; an int keeps later passes going if one slipped by.
        return int64;
      case 'builtin':
        return this.builtin(e);
      case 'identifier':
        this.reportHinted(
          closest(e.name, [...BUILTIN_NAMES, ...this.program.cDefinitions.enumConstants.keys()]),
          'unknownIdentifier',
          e.span,
          e.name,
        );
        return NONE;
      case 'variable':
        return this.probe?.variables.get(e.name) ?? NONE;
      case 'map': {
        const keys = e.keys.map((k) => this.expr(k));
        const info = this.program.maps.get(e.name);
        if (!info) {
          // Keys are learnt from reads too; the value only from assignments.
          this.learnMap(e.name, keys, undefined, e.span);
          return NONE;
        }
        if (info.key.length === 0 && keys.length > 0 && info.value.kind === 'none') {
          info.key = keys.map(storageType);
        }
        return info.value;
      }
      case 'call':
        return this.call(e);
      case 'binary': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if ((e.op === '+' || e.op === '-') && l.kind === 'pointer' && r.kind === 'int') return l;
        if (e.op === '+' && r.kind === 'pointer' && l.kind === 'int') return r;
        const signed = l.kind === 'int' && r.kind === 'int' && l.signed && r.signed;
        return signed ? int64 : uint64;
      }
      case 'unary': {
        const t = this.expr(e.operand);
        switch (e.op) {
          case '-':
            return int64;
          case '!':
            return uint64;
          case '~':
            return t.kind === 'int' && t.signed ? int64 : uint64;
          case '*':
            if (t.kind === 'pointer') return this.deref(t.target, e.span);
            return uint64;
        }
        return NONE;
      }
      case 'incdec': {
        if (e.target.kind === 'map') {
          const keys = e.target.keys.map((k) => this.expr(k));
          const info = this.program.maps.get(e.target.name);
          // `@x++` on a map nobody assigned creates an integer map, as 0.17.
          this.learnMap(
            e.target.name,
            keys,
            info && info.value.kind !== 'none' ? undefined : int64,
            e.target.span,
          );
          const t = this.program.maps.get(e.target.name)?.value ?? int64;
          e.target.type = t;
          return t;
        }
        return this.expr(e.target);
      }
      case 'ternary': {
        this.expr(e.cond);
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        if (a.kind === 'int' && b.kind === 'int') return a.signed && b.signed ? int64 : uint64;
        return compatible(a, b) ? mergeTypes(a, b) : a;
      }
      case 'field':
        return this.field(e);
      case 'index': {
        const base = this.expr(e.base);
        this.expr(e.index);
        if (base.kind === 'array') return base.elem;
        if (base.kind === 'pointer') return this.deref(base.target, e.span);
        return NONE;
      }
      case 'tuple':
        return tupleOf(e.elems.map((x) => storageType(this.expr(x))));
      case 'tupleAccess': {
        const base = this.expr(e.base);
        if (base.kind === 'tuple') return base.fields[e.index] ?? NONE;
        return NONE;
      }
      case 'cast': {
        const operand = this.expr(e.operand);
        const t = this.typeName(e.target);
        if (t && operand.kind === 'pointer' && t.kind === 'pointer') {
          // A cast keeps the address space of the value it converts.
          return { ...t, space: operand.space === 'none' ? t.space : operand.space };
        }
        return t ?? NONE;
      }
      case 'sizeof': {
        let size: number | undefined;
        if (e.arg.kind === 'expr') {
          const t = this.expr(e.arg.expr);
          if (t.kind !== 'none') size = sizeOf(t);
        } else {
          const t = this.typeName(e.arg.typeName, true);
          if (t) size = sizeOf(t);
        }
        if (size !== undefined) e.size = size;
        return uint64;
      }
      default:
        return assertNever(e, 'expression');
    }
  }

  /** What a pointer points to, with records filled in (BTF pointer targets come bare). */
  /** A record with its fields by name: the script's, DWARF records of uprobe arguments, BTF. */
  private record(name: string): RecordType | undefined {
    const own = this.program.cDefinitions.records.get(name);
    if (own) return own;
    const known = this.dwarfRecords.get(name);
    if (known) return known;
    const ct = this.dwarfPointees.get(name);
    if (ct) {
      const rec = dwarfRecord(ct, this.dwarfPointees);
      if (rec) {
        this.dwarfRecords.set(name, rec);
        return rec;
      }
    }
    return lookupRecord(name, this.program.cDefinitions, this.host);
  }

  /**
   * Builds `args` of every uprobe target of the current probe from DWARF, once; reports
   * why it cannot (no DWARF, attach points whose parameters differ) at its first use in
   * the reporting walk. False when `args` has no record.
   */
  private uprobeArgs(): boolean {
    const p = this.probe;
    if (!p) return false;
    let state = this.uprobeArgsState.get(p);
    if (state === undefined) {
      state = this.buildUprobeArgs(p);
      this.uprobeArgsState.set(p, state);
    }
    if (state === null) return true;
    if (!this.silent && !this.uprobeArgsReported.has(p)) {
      this.uprobeArgsReported.add(p);
      if (state.key === 'noDebuginfo') this.report('noDebuginfo', state.span, state.binary);
      else this.report('mixedArgs', state.span);
    }
    return false;
  }

  private buildUprobeArgs(p: Probe): UprobeArgsError | null {
    let first: string | undefined;
    for (const t of p.targets) {
      if (t.attach.kind !== 'uprobe') continue;
      const ap = p.attachPoints[t.attachPoint];
      const span = ap?.span ?? p.span;
      // The binary as written (`./w`, `libc`), as 0.17 names it.
      const binary = ap?.text.split(':')[1] ?? t.attach.path;
      let params: { name: string; type: CType }[] | undefined;
      try {
        params = this.host.functionParams?.(t.attach.path, t.attach.func ?? '');
      } catch {
        params = undefined;
      }
      if (!params) return { key: 'noDebuginfo', span, binary };
      const args = uprobeArgs(params, this.dwarfPointees);
      if (first === undefined) first = args.signature;
      else if (args.signature !== first) return { key: 'mixedArgs', span, binary };
      t.funcArgs = args.record;
    }
    return null;
  }

  private deref(target: SizedType, span: Span): SizedType {
    if (target.kind === 'record' && target.fields.length === 0) {
      const full = this.record(target.name);
      if (full) return full;
      this.report('unknownStruct', span, target.name);
    }
    return target;
  }

  /** A cast or sizeof type; reports unknown names. */
  private typeName(tn: TypeName, forSizeof = false): SizedType | undefined {
    let base: SizedType | undefined = integerCastType(tn.name);
    if (!base) {
      const tagged = /^(struct|union|enum) /.test(tn.name);
      if (tagged && tn.name.startsWith('enum ')) {
        base = intType(4, false);
      } else if (tagged || tn.pointerDepth > 0) {
        const rec = lookupRecord(tn.name, this.program.cDefinitions, this.host);
        if (rec)
          base =
            tn.pointerDepth > 0
              ? { kind: 'record', name: rec.name, size: rec.size, fields: [] }
              : rec;
        else if (!tagged) base = lookupNamedType(tn.name, this.program.cDefinitions, this.host);
      } else {
        base = lookupNamedType(tn.name, this.program.cDefinitions, this.host);
      }
    }
    if (!base) {
      if (forSizeof) this.report('unknownIdentifier', tn.span, tn.name);
      else this.report('unknownStruct', tn.span, tn.name);
      return undefined;
    }
    let t = base;
    for (let i = 0; i < tn.pointerDepth; i++) t = { kind: 'pointer', target: t, space: 'none' };
    if (tn.arrayCount !== undefined) {
      t = { kind: 'array', elem: t, count: tn.arrayCount, size: tn.arrayCount * sizeOf(t) };
    }
    return t;
  }

  private firstTarget(): ProbeTarget | undefined {
    return this.probe?.targets[0];
  }

  private builtin(b: Builtin): SizedType {
    const target = this.firstTarget();
    switch (b.name) {
      case 'comm':
        return { kind: 'string', size: 16 };
      case 'kstack':
      case 'ustack':
        return { kind: b.name, limit: DEFAULT_STACK_LIMIT, mode: 'bpftrace' };
      case 'func':
        return isUserProvider(target) ? { kind: 'usym' } : { kind: 'ksym' };
      case 'probe':
        return { kind: 'probe' };
      case 'username':
        return { kind: 'username' };
      case 'ctx':
        return { kind: 'pointer', target: NONE, space: 'kernel' };
      case 'curtask': {
        const rec = lookupRecord('struct task_struct', this.program.cDefinitions, this.host);
        if (!rec) return uint64;
        return {
          kind: 'pointer',
          target: { kind: 'record', name: rec.name, size: rec.size, fields: [] },
          space: 'kernel',
        };
      }
      case 'retval': {
        const ret = target?.funcArgs?.fields.find((f) => f.name === '$retval');
        return ret ? ret.type : uint64;
      }
      case 'args': {
        const targets = this.probe?.targets ?? [];
        if (targets.some((t) => t.provider === 'uprobe')) {
          // Another kind of `args` in the same block (a tracepoint's, a kfunc's): 0.17
          // cannot name the probe type and says "invalid".
          if (targets.some((t) => ['tracepoint', 'kfunc', 'kretfunc'].includes(t.provider))) {
            this.report(
              'builtinWrongProbe',
              b.span,
              'The args builtin can only be used with tracepoint/kfunc/uprobe probes (invalid used here)',
            );
            return NONE;
          }
          if (!this.uprobeArgs()) return NONE;
        }
        const rec = target?.tracepointArgs ?? target?.funcArgs;
        if (!rec) return NONE;
        return {
          kind: 'pointer',
          target: { kind: 'record', name: rec.name, size: rec.size, fields: [] },
          space: 'kernel',
        };
      }
      default:
        return uint64;
    }
  }

  private argsRecord(t: ProbeTarget): RecordType | undefined {
    return t.tracepointArgs ?? t.funcArgs;
  }

  private field(e: FieldAccess): SizedType {
    const base = this.expr(e.base);
    // Tracepoint and kfunc `args`: a field per target (offsets differ between events).
    if (e.base.kind === 'builtin' && e.base.name === 'args' && this.probe) {
      const per: ResolvedField[] = [];
      for (const t of this.probe.targets) {
        const rec = this.argsRecord(t);
        if (!rec) continue;
        const f = rec.fields.find((x) => x.name === e.field);
        const uprobe = t.provider === 'uprobe';
        if (!f) {
          if (uprobe) this.report('noFunctionParam', e.span, e.field);
          else this.report('noSuchField', e.span, rec.name, e.field);
          return NONE;
        }
        if (uprobe && f.type.kind === 'none') {
          this.report('paramUnsupported', e.span, f.name);
          return NONE;
        }
        const rf: ResolvedField = { name: f.name, offset: f.offset, type: f.type };
        if (t.tracepointDataLoc?.includes(f.name)) rf.dataLoc = true;
        per.push(rf);
      }
      const first = per[0];
      if (!first) return NONE;
      e.resolved = first;
      if (per.length > 1) e.perTarget = per;
      const other = per.find((r) => typeStr(r.type) !== typeStr(first.type));
      if (!other) return first.type;
      // Events may disagree on an integer's size or a string's length (0.17 reads each
      // event's own layout): the expression takes the widest. Other differences are errors.
      if (per.every((r) => r.type.kind === 'int'))
        return first.type.kind === 'int' && first.type.signed ? int64 : uint64;
      if (per.every((r) => r.type.kind === 'string')) {
        return {
          kind: 'string',
          size: Math.max(...per.map((r) => (r.type.kind === 'string' ? r.type.size : 0))),
        };
      }
      this.report('fieldTypeDiffers', e.span, e.field, typeStr(first.type), typeStr(other.type));
      return NONE;
    }
    let rec: SizedType | undefined;
    if (e.arrow) {
      if (base.kind !== 'pointer') return NONE; // check types explains
      rec = this.deref(base.target, e.span);
    } else {
      rec = base;
    }
    if (rec.kind !== 'record') return NONE;
    const full = rec.fields.length === 0 ? this.record(rec.name) : rec;
    const f = full?.fields.find((x) => x.name === e.field);
    if (!f) {
      this.report('noSuchField', e.span, rec.name, e.field);
      return NONE;
    }
    const rf: ResolvedField = { name: f.name, offset: f.offset, type: f.type };
    if (f.bitSize !== undefined) {
      rf.bitSize = f.bitSize;
      rf.bitOffset = f.bitOffset ?? 0;
    }
    e.resolved = rf;
    // Integers read from memory keep their size; a pointer field keeps its address space.
    if (f.type.kind === 'pointer' && base.kind === 'pointer' && base.space !== 'none') {
      return { ...f.type, space: base.space };
    }
    return f.type;
  }

  private call(c: Call): SizedType {
    const spec = FUNCTIONS.get(c.name);
    // Stack modes are identifiers, not values.
    const argTypes = c.args.map((a, i) => {
      // print(@m), clear(@m), zero(@m) name the whole map: no keys to learn from them.
      if (
        i === 0 &&
        a.kind === 'map' &&
        a.keys.length === 0 &&
        ['print', 'clear', 'zero'].includes(c.name)
      ) {
        a.type = this.program.maps.get(a.name)?.value ?? NONE;
        return a.type;
      }
      if ((c.name === 'kstack' || c.name === 'ustack') && i === 0 && a.kind === 'identifier') {
        if (!STACK_MODES.has(a.name)) this.report('unknownIdentifier', a.span, a.name);
        a.type = NONE;
        return NONE;
      }
      return this.expr(a);
    });
    if (!spec) {
      this.reportHinted(closest(c.name, FUNCTIONS.keys()), 'unknownFunction', c.nameSpan, c.name);
      return NONE;
    }
    const a0 = argTypes[0];
    switch (c.name) {
      case 'count':
        return { kind: 'count', signed: false };
      case 'sum':
      case 'min':
      case 'max':
      case 'avg':
      case 'stats':
        return { kind: c.name, signed: a0?.kind === 'int' ? a0.signed : true };
      case 'hist':
        return { kind: 'hist' };
      case 'lhist': {
        const lit = (i: number) => {
          const a = c.args[i];
          return a?.kind === 'integer' ? Number(a.value) : 0;
        };
        return { kind: 'lhist', min: lit(1), max: lit(2), step: lit(3) };
      }
      case 'str':
      case 'path':
        return { kind: 'string', size: this.config.strlen };
      case 'buf': {
        const n = c.args[1];
        let size = this.config.strlen;
        if (n?.kind === 'integer') size = Number(n.value);
        else if (c.args.length === 1 && a0?.kind === 'array') size = a0.size;
        else if (c.args.length === 1 && a0?.kind === 'string') size = a0.size;
        return { kind: 'buffer', size: Math.min(size, this.config.strlen) };
      }
      case 'ksym':
        return { kind: 'ksym' };
      case 'usym':
        return { kind: 'usym' };
      case 'kaddr':
      case 'uaddr':
      case 'reg':
      case 'cgroupid':
      case 'strncmp':
      case 'strcontains':
      case 'bswap':
        return uint64;
      case 'skboutput':
        return intType(4, false);
      case 'ntop':
        return { kind: 'inet' };
      case 'pton': {
        const s = c.args[0];
        const v6 = s?.kind === 'string' && s.value.includes(':');
        const n = v6 ? 16 : 4;
        return { kind: 'array', elem: intType(1, false), count: n, size: n };
      }
      case 'strftime':
        return { kind: 'timestamp' };
      case 'uptr':
      case 'kptr': {
        const space = c.name === 'uptr' ? 'user' : 'kernel';
        if (a0?.kind === 'pointer') return { ...a0, space };
        return a0 ?? NONE;
      }
      case 'macaddr':
        return { kind: 'mac_address' };
      case 'cgroup_path':
        return { kind: 'cgroup_path' };
      case 'strerror':
        return { kind: 'strerror' };
      case 'kstack':
      case 'ustack': {
        let limit = DEFAULT_STACK_LIMIT;
        let mode: 'bpftrace' | 'perf' | 'raw' = 'bpftrace';
        for (const a of c.args) {
          if (a.kind === 'identifier' && STACK_MODES.has(a.name)) mode = a.name as typeof mode;
          if (a.kind === 'integer') limit = Number(a.value);
        }
        return { kind: c.name, limit, mode };
      }
      default:
        // Actions have no value.
        return NONE;
    }
  }
}

/** Types every expression; fills CheckedProgram.maps and each probe's variables. */
export function runResolveTypes(
  program: CheckedProgram,
  host: CompilerHost,
  config: FrontConfig,
  bag: DiagnosticBag,
): void {
  const typer = new Typer(program, host, config, bag);
  // Two quiet walks let uses before the assigning block see the map's type.
  typer.walk();
  typer.walk();
  typer.silent = false;
  typer.walk();
}

export type { MapInfo };
