// Pass: resolve probes. Expands every attach point into ProbeTargets (one BPF program
// each, as bpftrace 0.17): aliases to providers, wildcards matched against what the host
// lists (tracepoints, kernel functions, ELF symbols, USDT notes), libraries resolved to
// paths, and the timer/perf forms parsed into perf event settings.
import type { AttachTarget, ProgType } from '../artifact.js';
import type { DiagnosticArgs, DiagnosticBag, DiagnosticKey } from '../diagnostics.js';
import type { CompilerHost, ElfSymbol } from '../host.js';
import type {
  AttachPoint,
  Probe,
  ProbeProvider,
  ProbeTarget,
  Program,
  Span,
} from '../front/ast.js';
import { tracepointRecord, cTypeToSized } from './c-types.js';
import type { CheckOptions, FrontConfig } from './options.js';
import { globToRegExp, hasWildcard } from './glob.js';
import { closest } from './suggest.js';
import type { RecordField } from '../types.js';
import { InternalError, assertNever } from '../debug.js';

const ALIASES: Record<string, ProbeProvider> = {
  BEGIN: 'BEGIN',
  END: 'END',
  tracepoint: 'tracepoint',
  t: 'tracepoint',
  rawtracepoint: 'rawtracepoint',
  rt: 'rawtracepoint',
  kprobe: 'kprobe',
  k: 'kprobe',
  kretprobe: 'kretprobe',
  kr: 'kretprobe',
  uprobe: 'uprobe',
  u: 'uprobe',
  uretprobe: 'uretprobe',
  ur: 'uretprobe',
  usdt: 'usdt',
  U: 'usdt',
  profile: 'profile',
  p: 'profile',
  interval: 'interval',
  i: 'interval',
  software: 'software',
  s: 'software',
  hardware: 'hardware',
  h: 'hardware',
  watchpoint: 'watchpoint',
  w: 'watchpoint',
  kfunc: 'kfunc',
  kretfunc: 'kretfunc',
};

const PERF_TYPE_HARDWARE = 0;
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_CPU_CLOCK = 0;

// 0.17's software events: names, aliases, PERF_COUNT_SW_* and default sample periods.
const SOFTWARE: { name: string; alias?: string; config: number; period: number }[] = [
  { name: 'alignment-faults', config: 7, period: 1 },
  { name: 'bpf-output', config: 10, period: 1 },
  { name: 'context-switches', alias: 'cs', config: 3, period: 1000 },
  { name: 'cpu-clock', alias: 'cpu', config: 0, period: 1000000 },
  { name: 'cpu-migrations', config: 4, period: 1 },
  { name: 'dummy', config: 9, period: 1 },
  { name: 'emulation-faults', config: 8, period: 1 },
  { name: 'major-faults', config: 6, period: 1 },
  { name: 'minor-faults', config: 5, period: 100 },
  { name: 'page-faults', alias: 'faults', config: 2, period: 100 },
  { name: 'task-clock', config: 1, period: 1000000 },
];

// 0.17's hardware events: PERF_COUNT_HW_* and default sample periods.
const HARDWARE: { name: string; alias?: string; config: number; period: number }[] = [
  { name: 'backend-stalls', config: 8, period: 1000000 },
  { name: 'branch-instructions', alias: 'branches', config: 4, period: 100000 },
  { name: 'branch-misses', config: 5, period: 100000 },
  { name: 'bus-cycles', config: 6, period: 100000 },
  { name: 'cache-misses', config: 3, period: 1000000 },
  { name: 'cache-references', config: 2, period: 1000000 },
  { name: 'cpu-cycles', alias: 'cycles', config: 0, period: 1000000 },
  { name: 'frontend-stalls', config: 7, period: 1000000 },
  { name: 'instructions', config: 1, period: 1000000 },
  { name: 'ref-cycles', config: 9, period: 1000000 },
];

const TIME_UNITS: Record<string, number> = { s: 1e9, ms: 1e6, us: 1e3 };

function progTypeOf(p: ProbeProvider): ProgType {
  switch (p) {
    case 'BEGIN':
    case 'END':
    case 'rawtracepoint':
      return 'raw_tracepoint';
    case 'tracepoint':
      return 'tracepoint';
    case 'kprobe':
    case 'kretprobe':
    case 'uprobe':
    case 'uretprobe':
    case 'usdt':
      return 'kprobe';
    case 'profile':
    case 'interval':
    case 'software':
    case 'hardware':
    case 'watchpoint':
      return 'perf_event';
    case 'kfunc':
    case 'kretfunc':
      return 'tracing';
  }
}

/** Thrown to abandon one attach point after reporting its diagnostic. */
class Skip {}

class ProbeResolver {
  private beginSpan: Span | undefined;
  private endSpan: Span | undefined;
  private tracepoints: string[] | undefined;
  private kernelFunctions: Set<string> | undefined;
  private kernelFunctionList: string[] | undefined;

  constructor(
    private readonly host: CompilerHost,
    private readonly options: CheckOptions,
    private readonly bag: DiagnosticBag,
  ) {}

  private fail<K extends DiagnosticKey>(key: K, span: Span, ...args: DiagnosticArgs<K>): never {
    this.bag.report(key, span, ...args);
    throw new Skip();
  }

  private listTracepoints(): string[] {
    this.tracepoints ??= this.host.listTracepoints();
    return this.tracepoints;
  }

  private listKernelFunctions(): string[] {
    if (!this.kernelFunctionList) {
      this.kernelFunctionList = this.host.listKernelFunctions();
      this.kernelFunctions = new Set(this.kernelFunctionList);
    }
    return this.kernelFunctionList;
  }

  resolveProbe(probe: Probe): void {
    probe.attachPoints.forEach((ap, index) => {
      try {
        probe.targets.push(...this.resolve(ap, index));
      } catch (e) {
        if (e instanceof Skip) return;
        if (e instanceof InternalError || !(e instanceof Error)) throw e;
        // The host could not read something the attach point names (a file that is not
        // ELF, an unreadable tracefs entry): the user's problem, reported as such.
        this.bag.report('hostError', ap.span, ap.text, e.message);
      }
    });
  }

  private argCount(ap: AttachPoint, type: string, parts: string[], ...allowed: number[]): void {
    if (allowed.includes(parts.length - 1)) return;
    const want =
      allowed.length === 1
        ? `${allowed[0]} argument${allowed[0] === 1 ? '' : 's'}`
        : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]} arguments`;
    this.fail('probeArgCount', ap.span, type, want);
  }

  private number(ap: AttachPoint, text: string, what: string): bigint {
    if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text))
      this.fail('invalidProbeNumber', ap.span, text, what);
    return BigInt(text);
  }

  private resolve(ap: AttachPoint, index: number): ProbeTarget[] {
    // Positional parameters may name parts of an attach point (`uprobe:$1:readline`).
    const text = ap.text.replace(
      /\$(\d+)/g,
      (_, n: string) => this.options.params?.[Number(n) - 1] ?? '',
    );
    if (text === '') this.fail('emptyAttachPoint', ap.span);
    const parts = text.split(':');
    const head = parts[0] ?? '';
    const provider = ALIASES[head];
    if (!provider) {
      const d = this.bag.report('invalidProbeType', ap.span, head);
      const suggestion = closest(head, Object.keys(ALIASES));
      if (suggestion !== undefined) d.hints = [`did you mean '${suggestion}'?`];
      throw new Skip();
    }
    ap.provider = provider;
    const target = (
      name: string,
      attach: AttachTarget,
      extra: Partial<ProbeTarget> = {},
    ): ProbeTarget => ({
      name,
      provider,
      progType: progTypeOf(provider),
      attach,
      attachPoint: index,
      ...extra,
    });
    switch (provider) {
      case 'BEGIN':
      case 'END': {
        this.argCount(ap, provider, parts, 0);
        const seen = provider === 'BEGIN' ? this.beginSpan : this.endSpan;
        if (seen) this.fail('duplicateSpecialProbe', ap.span, provider);
        if (provider === 'BEGIN') this.beginSpan = ap.span;
        else this.endSpan = ap.span;
        return [target(provider, { kind: provider === 'BEGIN' ? 'begin' : 'end' })];
      }
      case 'tracepoint':
        return this.tracepoint(ap, parts, target);
      case 'rawtracepoint':
        return this.rawTracepoint(ap, parts, target);
      case 'kprobe':
      case 'kretprobe':
        return this.kprobe(ap, provider, parts, target);
      case 'kfunc':
      case 'kretfunc':
        return this.kfunc(ap, provider, parts, target);
      case 'uprobe':
      case 'uretprobe':
        return this.uprobe(ap, provider, parts, target);
      case 'usdt':
        return this.usdt(ap, parts, target);
      case 'profile':
      case 'interval':
        return [this.timer(ap, provider, parts, target)];
      case 'software':
      case 'hardware':
        return [this.perfCounter(ap, provider, parts, target)];
      case 'watchpoint':
        return [this.watchpoint(ap, parts, target)];
      default:
        return assertNever(provider, 'provider');
    }
  }

  private tracepoint(ap: AttachPoint, parts: string[], target: TargetMaker): ProbeTarget[] {
    this.argCount(ap, 'tracepoint', parts, 2);
    const pattern = `${parts[1] ?? ''}:${parts[2] ?? ''}`;
    const wildcard = hasWildcard(pattern);
    const re = globToRegExp(pattern);
    const matches = wildcard ? this.listTracepoints().filter((t) => re.test(t)) : [pattern];
    const out: ProbeTarget[] = [];
    for (const m of matches) {
      const [category = '', event = ''] = m.split(':');
      const format = this.host.tracepointFormat(category, event);
      if (!format) continue;
      const { record, dataLoc } = tracepointRecord(category, event, format);
      out.push(
        target(
          `tracepoint:${category}:${event}`,
          { kind: 'tracepoint', category, event },
          {
            tracepointArgs: record,
            tracepointDataLoc: dataLoc,
          },
        ),
      );
    }
    if (out.length === 0) this.fail('tracepointNotFound', ap.span, pattern, wildcard);
    return out;
  }

  private rawTracepoint(ap: AttachPoint, parts: string[], target: TargetMaker): ProbeTarget[] {
    this.argCount(ap, 'rawtracepoint', parts, 1, 2);
    const pattern = parts[parts.length - 1] ?? '';
    const events = [...new Set(this.listTracepoints().map((t) => t.slice(t.indexOf(':') + 1)))];
    const re = globToRegExp(pattern);
    const matches = events.filter((e) => re.test(e));
    if (matches.length === 0) this.fail('rawTracepointNotFound', ap.span, pattern);
    return matches.map((event) =>
      target(`rawtracepoint:${event}`, { kind: 'rawtracepoint', event }),
    );
  }

  private splitOffset(ap: AttachPoint, func: string): { func: string; offset: number } {
    const plus = func.indexOf('+');
    if (plus < 0) return { func, offset: 0 };
    const offset = Number(this.number(ap, func.slice(plus + 1), 'offset'));
    return { func: func.slice(0, plus), offset };
  }

  private kprobe(
    ap: AttachPoint,
    provider: 'kprobe' | 'kretprobe',
    parts: string[],
    target: TargetMaker,
  ): ProbeTarget[] {
    this.argCount(ap, provider, parts, 1);
    const { func, offset } = this.splitOffset(ap, parts[1] ?? '');
    if (offset !== 0 && provider === 'kretprobe') this.fail('offsetNotAllowed', ap.span);
    if (hasWildcard(func)) {
      const re = globToRegExp(func);
      const all = this.listKernelFunctions();
      if (all.length === 0) {
        // As bpftrace 0.17: a warning, and the attach point expands to nothing.
        this.bag.report('kernelFunctionsUnknown', ap.span, ap.text);
        return [];
      }
      const matches = all.filter((f) => re.test(f));
      if (matches.length === 0) this.fail('noMatch', ap.span, ap.text);
      return matches.map((f) => target(`${provider}:${f}`, { kind: provider, func: f, offset: 0 }));
    }
    this.listKernelFunctions();
    // An empty list means the host cannot tell (no kprobe support listed): no warning.
    if (this.kernelFunctions && this.kernelFunctions.size > 0 && !this.kernelFunctions.has(func)) {
      this.bag.report('notTraceable', ap.span, func);
    }
    const name = offset ? `${provider}:${func}+${offset}` : `${provider}:${func}`;
    return [target(name, { kind: provider, func, offset })];
  }

  private kfunc(
    ap: AttachPoint,
    provider: 'kfunc' | 'kretfunc',
    parts: string[],
    target: TargetMaker,
  ): ProbeTarget[] {
    this.argCount(ap, provider, parts, 1, 2);
    const pattern = parts[parts.length - 1] ?? '';
    const names = hasWildcard(pattern)
      ? this.listKernelFunctions().filter((f) => globToRegExp(pattern).test(f))
      : [pattern];
    const out: ProbeTarget[] = [];
    for (const func of names) {
      const proto = this.host.btfFunction(func);
      if (!proto) continue;
      const fields: RecordField[] = proto.params.map((p, i) => ({
        name: p.name,
        offset: i * 8,
        type: cTypeToSized(p.type, 'kernel', 1),
      }));
      if (provider === 'kretfunc') {
        fields.push({
          name: '$retval',
          offset: fields.length * 8,
          type: cTypeToSized(proto.ret, 'kernel', 1),
        });
      }
      out.push(
        target(
          `${provider}:${func}`,
          { kind: provider, func },
          {
            funcArgs: {
              kind: 'record',
              name: `struct ${func}_args`,
              size: fields.length * 8,
              fields,
            },
          },
        ),
      );
    }
    if (out.length === 0) this.fail('btfFunctionNotFound', ap.span, pattern);
    return out;
  }

  private binary(ap: AttachPoint, kind: string, name: string): string {
    const path = this.host.resolveBinary(name, this.options.pid);
    if (!path) this.fail('binaryNotFound', ap.span, kind, name);
    return path;
  }

  private uprobe(
    ap: AttachPoint,
    provider: 'uprobe' | 'uretprobe',
    parts: string[],
    target: TargetMaker,
  ): ProbeTarget[] {
    this.argCount(ap, provider, parts, 2);
    const path = this.binary(ap, 'uprobe', parts[1] ?? '');
    const spec = parts[2] ?? '';
    if (/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(spec)) {
      // An address: a virtual address in the file, converted to a file offset through the
      // symbol whose segment holds it (same delta for the whole segment).
      const addr = BigInt(spec);
      const syms = this.host.elfSymbols(path);
      const holder = syms
        .filter((s) => s.address <= addr)
        .sort((a, b) => (a.address > b.address ? -1 : 1))[0];
      const fileOffset = holder ? addr - holder.address + holder.fileOffset : addr;
      return [
        target(`${provider}:${path}:${spec}`, {
          kind: provider,
          path,
          fileOffset: fileOffset.toString(),
        }),
      ];
    }
    const { func, offset } = this.splitOffset(ap, spec);
    if (offset !== 0 && provider === 'uretprobe') this.fail('offsetNotAllowed', ap.span);
    const funcs = this.host.elfSymbols(path).filter((s) => s.kind === 'func' && s.address !== 0n);
    const pick = (s: ElfSymbol): ProbeTarget => {
      const name = offset
        ? `${provider}:${path}:${s.name}+${offset}`
        : `${provider}:${path}:${s.name}`;
      return target(name, {
        kind: provider,
        path,
        func: s.name,
        fileOffset: (s.fileOffset + BigInt(offset)).toString(),
      });
    };
    if (hasWildcard(func)) {
      const re = globToRegExp(func);
      const seen = new Set<string>();
      const matches = funcs.filter((s) => re.test(s.name) && !seen.has(s.name) && seen.add(s.name));
      if (matches.length === 0) this.fail('noMatch', ap.span, ap.text);
      return matches.map(pick);
    }
    const sym = funcs.find((s) => s.name === func);
    if (!sym) this.fail('symbolMissing', ap.span, path, func);
    return [pick(sym)];
  }

  private usdt(ap: AttachPoint, parts: string[], target: TargetMaker): ProbeTarget[] {
    this.argCount(ap, 'usdt', parts, 2, 3);
    const path = this.binary(ap, 'usdt', parts[1] ?? '');
    const providerPattern = parts.length === 4 ? (parts[2] ?? '') : '*';
    const namePattern = parts[parts.length - 1] ?? '';
    const pre = globToRegExp(providerPattern);
    const nre = globToRegExp(namePattern);
    const probes = this.host
      .usdtProbes(path)
      .filter((p) => pre.test(p.provider) && nre.test(p.name));
    if (probes.length === 0) this.fail('usdtNotFound', ap.span, ap.text);
    return probes.map((p) =>
      target(
        `usdt:${p.path}:${p.provider}:${p.name}`,
        {
          kind: 'usdt',
          path: p.path,
          provider: p.provider,
          name: p.name,
          fileOffset: p.fileOffset.toString(),
          semaphoreOffset: p.semaphoreOffset.toString(),
        },
        { usdt: p },
      ),
    );
  }

  private timer(
    ap: AttachPoint,
    provider: 'profile' | 'interval',
    parts: string[],
    target: TargetMaker,
  ): ProbeTarget {
    this.argCount(ap, provider, parts, 2);
    const unit = parts[1] ?? '';
    const valueText = parts[2] ?? '';
    const value = Number(this.number(ap, valueText, 'rate'));
    if (unit !== 'hz' && TIME_UNITS[unit] === undefined) this.fail('timeUnit', ap.span, unit);
    if (value <= 0)
      this.fail('positiveRate', ap.span, provider, unit === 'hz' ? 'frequency' : 'period');
    const base = {
      kind: 'perf_event' as const,
      probe: provider,
      type: PERF_TYPE_SOFTWARE,
      config: PERF_COUNT_SW_CPU_CLOCK,
      cpus: provider === 'profile' ? ('all' as const) : ('first' as const),
    };
    const attach: AttachTarget =
      unit === 'hz'
        ? { ...base, frequency: value }
        : { ...base, period: value * (TIME_UNITS[unit] ?? 1) };
    return target(`${provider}:${unit}:${valueText}`, attach);
  }

  private perfCounter(
    ap: AttachPoint,
    provider: 'software' | 'hardware',
    parts: string[],
    target: TargetMaker,
  ): ProbeTarget {
    this.argCount(ap, provider, parts, 1, 2);
    const eventName = parts[1] ?? '';
    const table = provider === 'software' ? SOFTWARE : HARDWARE;
    const ev = table.find((e) => e.name === eventName || e.alias === eventName);
    if (!ev)
      this.fail(
        provider === 'software' ? 'softwareUnknown' : 'hardwareUnknown',
        ap.span,
        eventName,
      );
    const countText = parts[2];
    const period =
      countText === undefined ? ev.period : Number(this.number(ap, countText, 'count'));
    if (period <= 0) this.fail('positiveRate', ap.span, provider, 'count');
    const name =
      countText === undefined
        ? `${provider}:${eventName}`
        : `${provider}:${eventName}:${countText}`;
    return target(name, {
      kind: 'perf_event',
      probe: provider,
      type: provider === 'software' ? PERF_TYPE_SOFTWARE : PERF_TYPE_HARDWARE,
      config: ev.config,
      period,
      cpus: 'all',
    });
  }

  private watchpoint(ap: AttachPoint, parts: string[], target: TargetMaker): ProbeTarget {
    this.argCount(ap, 'watchpoint', parts, 3);
    const address = this.number(ap, parts[1] ?? '', 'address');
    const length = Number(this.number(ap, parts[2] ?? '', 'length'));
    if (![1, 2, 4, 8].includes(length)) this.fail('watchpointLength', ap.span);
    const mode = parts[3] ?? '';
    if (mode === '' || /[^rwx]/.test(mode)) this.fail('watchpointModeChars', ap.span);
    // x86 breakpoints: write, read-write or execute; read alone is not one (0.17 agrees).
    if (!['w', 'rw', 'wr', 'x'].includes(mode)) {
      this.fail('watchpointMode', ap.span, mode);
    }
    return target(`watchpoint:${parts[1] ?? ''}:${length}:${mode}`, {
      kind: 'watchpoint',
      address: address.toString(),
      length,
      mode,
    });
  }
}

type TargetMaker = (
  name: string,
  attach: AttachTarget,
  extra?: Partial<ProbeTarget>,
) => ProbeTarget;

/** Expands every probe's attach points into `probe.targets`. */
export function runResolveProbes(
  program: Program,
  host: CompilerHost,
  options: CheckOptions,
  config: FrontConfig,
  bag: DiagnosticBag,
): void {
  const resolver = new ProbeResolver(host, options, bag);
  let total = 0;
  for (const probe of program.probes) {
    resolver.resolveProbe(probe);
    total += probe.targets.length;
  }
  const last = program.probes[program.probes.length - 1];
  if (total === 0 && last && !bag.hasErrors) {
    bag.report('noProbes', last.attachPoints[0]?.span ?? last.span);
  }
  if (total > config.maxProbes && last) {
    bag.report('tooManyProbes', last.attachPoints[0]?.span ?? last.span, total, config.maxProbes);
  }
}
