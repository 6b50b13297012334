// The C preprocessing bpftrace scripts rely on: `#include` (types come from BTF, so an
// include only records the header), object-like `#define`s (applied to identifiers by the
// parser), and `#ifdef`/`#ifndef`/`#else`/`#endif` around includes, as in bpftrace's tools
// (`#ifndef BPFTRACE_HAVE_BTF`). bpftrace 0.17 defines BPFTRACE_HAVE_BTF when BTF is there.
import type { CDefinitions } from './c-definitions.js';

export interface PreprocessorState {
  /** One entry per open #if: whether its current branch is taken. */
  conditions: { taken: boolean; seenElse: boolean }[];
}

const PREDEFINED = new Set(['BPFTRACE_HAVE_BTF', '__x86_64__', '__linux__']);

function active(state: PreprocessorState): boolean {
  return state.conditions.every((c) => c.taken);
}

/** Applies one `#...` line; returns a problem description when the line is not supported. */
export function applyPreprocessor(
  line: string,
  defs: CDefinitions,
  state: PreprocessorState,
): string | undefined {
  const m = /^#\s*(\w*)\s*(.*)$/.exec(line);
  if (!m) return line;
  const directive = m[1] ?? '';
  const rest = (m[2] ?? '').trim();
  const isDefined = (name: string) => defs.defines.has(name) || PREDEFINED.has(name);
  switch (directive) {
    case 'ifdef':
    case 'ifndef': {
      const name = rest.split(/\s+/)[0] ?? '';
      const d = isDefined(name);
      state.conditions.push({ taken: directive === 'ifdef' ? d : !d, seenElse: false });
      return undefined;
    }
    case 'if': {
      // Only the forms scripts use: `#if 0`, `#if 1`, `#if defined(X)`.
      const def = /^!?\s*defined\s*\(?\s*(\w+)\s*\)?$/.exec(rest);
      let taken: boolean;
      if (rest === '0' || rest === '1') taken = rest === '1';
      else if (def)
        taken = rest.startsWith('!') ? !isDefined(def[1] ?? '') : isDefined(def[1] ?? '');
      else return `#if ${rest}`;
      state.conditions.push({ taken, seenElse: false });
      return undefined;
    }
    case 'else': {
      const top = state.conditions[state.conditions.length - 1];
      if (!top || top.seenElse) return '#else without #if';
      top.taken = !top.taken;
      top.seenElse = true;
      return undefined;
    }
    case 'endif':
      if (state.conditions.pop() === undefined) return '#endif without #if';
      return undefined;
    case 'include':
      return undefined;
    case 'define': {
      if (!active(state)) return undefined;
      const d = /^(\w+)(\()?\s*(.*)$/.exec(rest);
      if (!d) return `#define ${rest}`;
      if (d[2] !== undefined) return `function-like macro ${d[1] ?? ''}()`;
      defs.defines.set(d[1] ?? '', (d[3] ?? '').trim());
      return undefined;
    }
    case 'undef':
      if (active(state)) defs.defines.delete(rest);
      return undefined;
    case 'pragma':
      return undefined;
    default:
      return `#${directive}`;
  }
}
