// Which symbol tables a run will need, from the types in its artifact: reading kallsyms (120k
// lines) or a process's ELF files costs time, so a run pays only for what it prints.
import type { Artifact } from '../../compiler/artifact.js';
import type { SizedType } from '../../compiler/types.js';

export interface SymbolNeeds {
  kernel: boolean;
  user: boolean;
}

function visit(t: SizedType, needs: SymbolNeeds): void {
  switch (t.kind) {
    case 'kstack':
    case 'ksym':
      needs.kernel = true;
      return;
    case 'ustack':
    case 'usym':
      needs.user = true;
      return;
    case 'tuple':
      for (const f of t.fields) visit(f, needs);
      return;
    case 'record':
      for (const f of t.fields) visit(f.type, needs);
      return;
    case 'array':
      visit(t.elem, needs);
      return;
    case 'pointer':
      return;
    default:
      return;
  }
}

export function symbolNeeds(artifact: Artifact): SymbolNeeds {
  const needs: SymbolNeeds = { kernel: false, user: false };
  for (const m of artifact.maps) {
    for (const k of m.key ?? []) visit(k, needs);
    if (m.value) visit(m.value, needs);
  }
  for (const spec of [...artifact.printf, ...artifact.system, ...artifact.cat]) {
    for (const a of spec.args) visit(a.type, needs);
  }
  for (const t of artifact.printValue) visit(t, needs);
  return needs;
}
