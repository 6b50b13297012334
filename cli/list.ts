// `bpfq -l [PATTERN]` and `-lv`: the probes this machine offers, printed as bpftrace 0.17's
// `-l` prints them, quirks included (software and hardware events are echoed back as
// `software:PATTERN:` rather than expanded; BEGIN/END list as `special::`).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import type { CompilerHost } from '../compiler/host.js';
import type { FilterFunctions } from '../host/kallsyms.js';
import { fieldDeclaration } from '../host/tracefs.js';

export interface ListOptions {
  /** `-lv`: show tracepoint fields under each tracepoint. Default false. */
  verbose?: boolean;
  /** `-p PID`: resolve library names and USDT binaries through this process. Default none. */
  pid?: number;
  /** Receives each warning line (`WARNING: ...`), which bpftrace prints on stderr. Default: ignored. */
  warn?: (line: string) => void;
}

/** What listing needs from the host; NodeHost provides all of it. */
export type ListHost = CompilerHost & {
  /** The kprobe-able function list or why it is unreadable (bpftrace warns in that case). */
  kernelFunctionList?(): FilterFunctions;
  /** DWARF of a binary, for `-lv uprobe:...` parameter lists; undefined when it has none. */
  dwarf?(
    path: string,
  ): { functionParams(func: string): { name: string; typeName: string }[] | undefined } | undefined;
};

/** A pattern bpftrace would reject; `message` is the whole stderr text (exit status 1). */
export class ListError extends Error {}

// Aliases as 0.17's probe list spells them.
const PROVIDERS: Record<string, string> = {
  BEGIN: 'special',
  END: 'special',
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
  tracepoint: 'tracepoint',
  t: 'tracepoint',
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
  asyncwatchpoint: 'asyncwatchpoint',
  aw: 'asyncwatchpoint',
  kfunc: 'kfunc',
  f: 'kfunc',
  kretfunc: 'kretfunc',
  fr: 'kretfunc',
  iter: 'iter',
  it: 'iter',
};

/** Providers a wildcard provider (`*:...`) expands to, in the order bpftrace lists them. */
const WILDCARD_PROVIDERS = [
  'hardware',
  'iter',
  'kprobe',
  'software',
  'tracepoint',
  'uprobe',
  'usdt',
];

const ITERATORS = ['task', 'task_file'];

/** An anchored glob where only `*` is special, as bpftrace's probe matcher treats patterns. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

export function hasWildcard(s: string): boolean {
  return s.includes('*');
}

/** A diagnostic as bpftrace prints it for the pattern, which it parses as a one-line program. */
function bpftraceMessage(pattern: string, level: 'ERROR' | 'WARNING', message: string): string {
  return `stdin:1:1-${pattern.length + 1}: ${level}: ${message}\n${pattern}\n${'~'.repeat(pattern.length)}\n`;
}

function bpftraceError(pattern: string, message: string): ListError {
  return new ListError(bpftraceMessage(pattern, 'ERROR', message));
}

/**
 * Lists the probes matching PATTERN (every listable probe when empty), one per line, the
 * way `bpftrace -l` does. Throws ListError for a pattern bpftrace rejects.
 */
export function listProbes(
  pattern: string | undefined,
  options: ListOptions,
  host: ListHost,
): string {
  const lines: string[] = [];
  const input = pattern === undefined || pattern.trim() === '' ? '*:*' : pattern.trim();
  for (const one of input.split(',')) {
    listOne(one.trim(), options, host, lines);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function listOne(pattern: string, options: ListOptions, host: ListHost, out: string[]): void {
  // A bare word with a wildcard searches every provider (`sched*` is `*:sched*`); one
  // without is a provider name.
  const full = !pattern.includes(':') && hasWildcard(pattern) ? `*:${pattern}` : pattern;
  const colon = full.indexOf(':');
  const providerText = colon < 0 ? full : full.slice(0, colon);
  const fields = colon < 0 ? [] : splitFields(full.slice(colon + 1));

  if (hasWildcard(providerText)) {
    const re = globToRegExp(providerText);
    const isPath = (fields[0] ?? '').startsWith('/');
    for (const provider of WILDCARD_PROVIDERS) {
      if (!re.test(provider)) continue;
      const wantsPath = provider === 'uprobe' || provider === 'usdt';
      if (wantsPath !== isPath) continue;
      if (provider === 'uprobe' && fields.length !== 2) continue;
      if (!wantsPath && provider !== 'tracepoint' && fields.length > 1) continue;
      listProvider(provider, fields, pattern, options, host, out, true);
    }
    return;
  }
  const provider = PROVIDERS[providerText];
  if (provider === undefined)
    throw new ListError('FATAL: Invalid probe type made it to attachpoint parser\n');
  listProvider(provider, fields, pattern, options, host, out, false);
}

/** The `:`-separated fields after the provider (bpftrace splits paths on `:` too). */
function splitFields(text: string): string[] {
  return text === '' ? [] : text.split(':');
}

function listProvider(
  provider: string,
  fields: string[],
  pattern: string,
  options: ListOptions,
  host: ListHost,
  out: string[],
  fromWildcard: boolean,
): void {
  const argCount = (ok: boolean, message: string): boolean => {
    if (ok) return true;
    if (fromWildcard) return false;
    throw bpftraceError(pattern, message);
  };
  switch (provider) {
    case 'special':
      out.push('special::');
      return;
    case 'software':
    case 'hardware':
      if (
        !argCount(
          fields.length >= 1 && fields.length <= 2,
          `${provider} probe type requires 1 or 2 arguments`,
        )
      )
        return;
      out.push(`${provider}:${fields[0] ?? ''}:`);
      return;
    case 'profile':
    case 'interval':
      if (!argCount(fields.length === 2, `${provider} probe type requires 2 arguments`)) return;
      out.push(`${provider}:`);
      return;
    case 'watchpoint':
    case 'asyncwatchpoint':
      if (!argCount(fields.length === 3, `${provider} probe type requires 3 arguments`)) return;
      out.push(`${provider}::`);
      return;
    case 'iter': {
      if (
        !argCount(
          fields.length === 1 || fields.length === 2,
          'iter probe type takes 2 arguments (1 optional)',
        )
      )
        return;
      const re = globToRegExp(fields[0] ?? '');
      for (const it of ITERATORS) if (re.test(it)) out.push(`iter:${it}`);
      return;
    }
    case 'kprobe':
    case 'kretprobe': {
      if (!argCount(fields.length === 1, `${provider} probe type requires 1 argument`)) return;
      listKernelFunctions(provider, fields[0] ?? '', options, host, out);
      return;
    }
    case 'kfunc':
    case 'kretfunc':
      // fentry is unavailable on the kernels bpfq targets; bpftrace says so the same way.
      throw bpftraceError(pattern, 'kfunc/kretfunc not available for your kernel version.');
    case 'tracepoint':
      listTracepoints(fields, pattern, options, host, out, fromWildcard);
      return;
    case 'uprobe':
    case 'uretprobe':
      if (!argCount(fields.length === 2, `${provider} probe type requires 2 arguments`)) return;
      listUprobes(provider, fields[0] ?? '', fields[1] ?? '', pattern, options, host, out);
      return;
    case 'usdt':
      if (
        !argCount(
          fields.length === 2 ||
            fields.length === 3 ||
            // With -p, `usdt:NAME` searches every file the process has mapped.
            (fields.length === 1 && options.pid !== undefined),
          'usdt probe type requires 2 or 3 arguments',
        )
      )
        return;
      listUsdt(fields, pattern, options, host, out);
      return;
    default:
      throw new ListError('FATAL: Invalid probe type made it to attachpoint parser\n');
  }
}

function listKernelFunctions(
  provider: string,
  glob: string,
  options: ListOptions,
  host: ListHost,
  out: string[],
): void {
  let names: string[];
  if (host.kernelFunctionList) {
    const list = host.kernelFunctionList();
    if (!list.ok) {
      options.warn?.(`WARNING: Could not read symbols from ${list.path}: ${list.error}`);
      return;
    }
    names = list.names;
  } else {
    names = host.listKernelFunctions();
  }
  const re = globToRegExp(glob);
  for (const name of names) if (re.test(name)) out.push(`${provider}:${name}`);
}

function listTracepoints(
  fields: string[],
  pattern: string,
  options: ListOptions,
  host: ListHost,
  out: string[],
  fromWildcard: boolean,
): void {
  let catRe: RegExp;
  let eventRe: RegExp;
  if (fields.length === 2) {
    catRe = globToRegExp(fields[0] ?? '');
    eventRe = globToRegExp(fields[1] ?? '');
  } else if (fields.length === 1 && hasWildcard(fields[0] ?? '')) {
    // One field with a wildcard matches event names in every category (`t:sched_sw*`).
    catRe = /^/;
    eventRe = globToRegExp(fields[0] ?? '');
  } else {
    if (fromWildcard) return;
    throw bpftraceError(pattern, 'tracepoint probe type requires 2 arguments');
  }
  for (const tp of host.listTracepoints()) {
    const colon = tp.indexOf(':');
    const cat = tp.slice(0, colon);
    const event = tp.slice(colon + 1);
    if (!catRe.test(cat) || !eventRe.test(event)) continue;
    out.push(`tracepoint:${tp}`);
    if (options.verbose) {
      for (const f of host.tracepointFormat(cat, event) ?? []) {
        if (!f.common) out.push(`    ${fieldDeclaration(f)}`);
      }
    }
  }
}

function resolveTarget(
  target: string,
  pattern: string,
  options: ListOptions,
  host: ListHost,
): string {
  const path = host.resolveBinary(target, options.pid);
  if (path === undefined) {
    throw bpftraceError(
      pattern,
      `uprobe target file '${target}' does not exist or is not executable`,
    );
  }
  // A bare program name found in several $PATH directories (on merged-/usr systems /bin
  // and /usr/bin hold the same files) makes bpftrace warn which one it took.
  if (!target.includes('/')) {
    const matches = (process.env['PATH'] ?? '')
      .split(':')
      .filter((dir) => dir !== '' && isExecutableFile(`${dir}/${target}`)).length;
    if (matches > 1) {
      options.warn?.(
        bpftraceMessage(
          pattern,
          'WARNING',
          `attaching to uprobe target file '${path}' but matched ${matches} binaries`,
        ).trimEnd(),
      );
    }
  }
  return path;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listUprobes(
  provider: string,
  target: string,
  glob: string,
  pattern: string,
  options: ListOptions,
  host: ListHost,
  out: string[],
): void {
  const path = resolveTarget(target, pattern, options, host);
  const re = globToRegExp(glob);
  const names = new Set<string>();
  for (const sym of host.elfSymbols(path)) {
    // bpftrace 0.17 leaves out gcc's partial-inlining clones (`ptmalloc_init.part.0`)
    // while listing other clones (`.cold`, `.isra.0`, `.constprop.0`).
    if (sym.kind === 'func' && !sym.name.includes('.part.') && re.test(sym.name))
      names.add(sym.name);
  }
  const sorted = [...names].sort(compareBytes);
  const dwarf = options.verbose ? host.dwarf?.(path) : undefined;
  // bpftrace warns once per binary, before listing it.
  if (options.verbose && !dwarf && sorted.length > 0) {
    options.warn?.(`WARNING: No DWARF found for "${path}", cannot show parameter info`);
  }
  for (const name of sorted) {
    out.push(`${provider}:${path}:${name}`);
    for (const p of dwarf?.functionParams(name) ?? []) out.push(`    ${p.typeName} ${p.name}`);
  }
}

function listUsdt(
  fields: string[],
  pattern: string,
  options: ListOptions,
  host: ListHost,
  out: string[],
): void {
  const target = fields.length === 1 ? '*' : (fields[0] ?? '');
  // usdt:PATH:NAME matches the name in any provider; usdt:PATH:PROVIDER:NAME both.
  const providerRe = fields.length === 3 ? globToRegExp(fields[1] ?? '') : /^/;
  const nameRe = globToRegExp(fields[fields.length - 1] ?? '');
  const pid = options.pid;
  let paths: string[];
  if (pid !== undefined) {
    // With -p, bpftrace names files through the process's root, as the process sees them.
    const inProcess =
      target === '*' ? mappedFiles(pid) : [resolveTarget(target, pattern, options, host)];
    paths = inProcess.map((p) =>
      p.startsWith(`/proc/${pid}/root/`) ? p : `/proc/${pid}/root${p}`,
    );
  } else {
    paths = [resolveTarget(target, pattern, options, host)];
  }
  const lines = new Set<string>();
  for (const path of paths) {
    for (const p of host.usdtProbes(path)) {
      if (providerRe.test(p.provider) && nameRe.test(p.name))
        lines.add(`usdt:${path}:${p.provider}:${p.name}`);
    }
  }
  out.push(...[...lines].sort(compareBytes));
}

/** The files a process has mapped, in the order of /proc/PID/maps, without repeats. */
function mappedFiles(pid: number): string[] {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const cols = line.split(/\s+/);
    const path = cols.slice(5).join(' ');
    // Only code mappings can hold a probe site.
    if ((cols[1] ?? '').includes('x') && path.startsWith('/') && !path.endsWith(' (deleted)'))
      seen.add(path);
  }
  return [...seen];
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
