// Clean-ups before register allocation:
//  - the verifier rejects any instruction no path reaches ("unreachable insn"), which
//    lowering produces naturally (code after `exit()`/`return`/`break`, the other arm of a
//    constant condition), so unreachable instructions are dropped;
//  - `goto L` immediately followed by `L:` is dropped (it comes from joining branches).
import {
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  isJump,
  opClass,
  opOperation,
  type Item,
} from '../bpf/index.js';

function isExit(i: Item): boolean {
  return i.kind === 'insn' && opClass(i.opcode) === BPF_JMP && opOperation(i.opcode) === BPF_EXIT;
}

function isGoto(i: Item): boolean {
  return i.kind === 'insn' && isJump(i) && opOperation(i.opcode) === BPF_JA;
}

export function removeUnreachable(items: readonly Item[]): Item[] {
  const labelAt = new Map<string, number>();
  items.forEach((it, k) => {
    if (it.kind === 'label') labelAt.set(it.name, k);
  });
  const reached = new Uint8Array(items.length);
  const work = [0];
  while (work.length > 0) {
    const k = work.pop()!;
    if (k >= items.length || reached[k]) continue;
    reached[k] = 1;
    const it = items[k]!;
    if (it.kind === 'insn' && isJump(it)) {
      const to = labelAt.get(it.target ?? '');
      if (to !== undefined) work.push(to);
      if (isGoto(it)) continue;
    }
    if (isExit(it)) continue;
    work.push(k + 1);
  }
  return items.filter((_, k) => reached[k]);
}

export function dropJumpsToNext(items: readonly Item[]): Item[] {
  const out: Item[] = [];
  items.forEach((it, k) => {
    if (it.kind === 'insn' && isGoto(it)) {
      for (let n = k + 1; n < items.length; n++) {
        const next = items[n]!;
        if (next.kind !== 'label') break;
        if (next.name === it.target) return;
      }
    }
    out.push(it);
  });
  return out;
}

export function runPeephole(items: readonly Item[]): Item[] {
  let cur = removeUnreachable(items);
  let prev = -1;
  while (prev !== cur.length) {
    prev = cur.length;
    cur = removeUnreachable(dropJumpsToNext(cur));
  }
  return cur;
}
