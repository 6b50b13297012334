// The builtin variables of bpftrace 0.17 (`pid`, `comm`, `arg0`, ...): names the parser turns
// into Builtin nodes instead of identifiers.
import type { Builtin, BuiltinName, Span } from './ast.js';

const SIMPLE: ReadonlySet<string> = new Set<BuiltinName>([
  'pid',
  'tid',
  'uid',
  'gid',
  'nsecs',
  'elapsed',
  'numaid',
  'cpu',
  'curtask',
  'rand',
  'ctx',
  'comm',
  'kstack',
  'ustack',
  'retval',
  'func',
  'probe',
  'username',
  'cgroup',
  'cpid',
  'args',
]);

const INDEXED = /^(s?arg)([0-9]+)$/;

/** Every builtin name without an index (for hints). */
export const BUILTIN_NAMES: readonly string[] = [...SIMPLE, 'arg0', 'sarg0'];

export function isBuiltinName(name: string): boolean {
  return SIMPLE.has(name) || INDEXED.test(name);
}

export function builtinNode(name: string, span: Span): Builtin {
  const m = INDEXED.exec(name);
  if (m) {
    return { kind: 'builtin', name: m[1] === 'sarg' ? 'sarg' : 'arg', index: Number(m[2]), span };
  }
  return { kind: 'builtin', name: name as BuiltinName, span };
}

/** The name as written (`arg3` for {name: 'arg', index: 3}). */
export function builtinText(b: Builtin): string {
  return b.name === 'arg' || b.name === 'sarg' ? `${b.name}${b.index ?? 0}` : b.name;
}
