// C definitions written in a script: `#define NAME value`, `struct`/`union` definitions,
// `enum` constants and `typedef`s. bpftrace 0.17 hands them to clang; bpfq parses the
// subset scripts use (layout with C's natural alignment rules) and looks everything else up
// in BTF through the CompilerHost.
import type { SizedType } from '../types.js';

export type RecordType = SizedType & { kind: 'record' };

export interface CDefinitions {
  /** `struct foo` / `union bar` by full name (with the keyword). */
  records: Map<string, RecordType>;
  /** `typedef ... name;` */
  typedefs: Map<string, SizedType>;
  /** Enum constants by name. */
  enumConstants: Map<string, bigint>;
  /** `#define NAME text` (object-like macros only), applied to the program text. */
  defines: Map<string, string>;
}

export function emptyCDefinitions(): CDefinitions {
  return { records: new Map(), typedefs: new Map(), enumConstants: new Map(), defines: new Map() };
}
