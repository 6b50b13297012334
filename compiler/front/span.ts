// Span arithmetic shared by the parser and the passes.
import type { Span } from './ast.js';

/** From the start of `a` to the end of `b`. */
export function join(a: Span, b: Span): Span {
  return { line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}
