// C++ names in user stacks, demangled as bpftrace 0.17 prints them (`demo::Worker::run(int)`
// for `_ZN4demo6Worker3runEi`; bcc calls __cxa_demangle). There is no demangler in Node,
// so binutils' c++filt does it, once per distinct name; without c++filt names stay as
// the symbol table spells them.
import { execFileSync } from 'node:child_process';

const cache = new Map<string, string>();
let available: boolean | undefined;

/** Whether a symbol name is an Itanium-mangled C++ name worth demangling. */
export function isMangled(name: string): boolean {
  // Versioned names (`_ZNSt...@@GLIBCXX_3.4`) are not valid mangled names; __cxa_demangle
  // rejects them and bcc keeps them as they are.
  return name.startsWith('_Z') && !name.includes('@');
}

export function demangle(name: string): string {
  if (!isMangled(name) || available === false) return name;
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let out = name;
  try {
    out =
      execFileSync('c++filt', ['--', name], { encoding: 'utf8', timeout: 5000 }).trimEnd() || name;
    available = true;
  } catch {
    available = false;
  }
  cache.set(name, out);
  return out;
}
