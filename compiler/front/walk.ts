// Tree helpers shared by the passes: visiting child expressions and statements, and
// replacing an expression node in place (passes desugar `$1`, enum names and `str($1)`
// without rebuilding the tree, so every parent keeps pointing at the same object).
import { assertNever } from '../debug.js';
import type { Expr, Statement } from './ast.js';

/** The direct child expressions of an expression, in evaluation order. */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case 'integer':
    case 'string':
    case 'positional':
    case 'builtin':
    case 'identifier':
    case 'variable':
      return [];
    case 'map':
      return e.keys;
    case 'call':
      return e.args;
    case 'binary':
      return [e.left, e.right];
    case 'unary':
      return [e.operand];
    case 'incdec':
      return [e.target];
    case 'ternary':
      return [e.cond, e.then, e.else];
    case 'field':
      return [e.base];
    case 'index':
      return [e.base, e.index];
    case 'tuple':
      return e.elems;
    case 'tupleAccess':
      return [e.base];
    case 'cast':
      return [e.operand];
    case 'sizeof':
      return e.arg.kind === 'expr' ? [e.arg.expr] : [];
    default:
      return assertNever(e, 'expression');
  }
}

/** Replaces `target`'s contents with `replacement`'s, keeping the object identity. */
export function replaceExpr(target: Expr, replacement: Expr): void {
  const bag = target as unknown as Record<string, unknown>;
  for (const key of Object.keys(bag)) delete bag[key];
  Object.assign(bag, replacement);
}

/** Visits every expression under `e` (post-order: children first). */
export function visitExpr(e: Expr, fn: (e: Expr) => void): void {
  for (const c of childExprs(e)) visitExpr(c, fn);
  fn(e);
}

/** The direct child statement lists of a statement. */
export function childBodies(s: Statement): Statement[][] {
  switch (s.kind) {
    case 'if':
      return s.else ? [s.then, s.else] : [s.then];
    case 'unroll':
    case 'while':
    case 'block':
      return [s.body];
    case 'exprStmt':
    case 'assign':
    case 'break':
    case 'continue':
    case 'return':
      return [];
    default:
      return assertNever(s, 'statement');
  }
}
