// Visits every expression of a probe (predicate and body, nested statements, sub-expressions)
// in source order. The resources pass uses it to number async actions and find stacks.
import type { Expr, Probe, Statement } from '../front/ast.js';
import { assertNever } from '../debug.js';

export function forEachExpr(probe: Probe, visit: (e: Expr) => void): void {
  if (probe.predicate) walkExpr(probe.predicate, visit);
  walkStatements(probe.body, visit);
}

function walkStatements(stmts: readonly Statement[], visit: (e: Expr) => void): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'exprStmt':
        walkExpr(s.expr, visit);
        break;
      case 'assign':
        walkExpr(s.target, visit);
        walkExpr(s.value, visit);
        break;
      case 'if':
        walkExpr(s.cond, visit);
        walkStatements(s.then, visit);
        if (s.else) walkStatements(s.else, visit);
        break;
      case 'unroll':
        walkStatements(s.body, visit);
        break;
      case 'while':
        walkExpr(s.cond, visit);
        walkStatements(s.body, visit);
        break;
      case 'block':
        walkStatements(s.body, visit);
        break;
      case 'break':
      case 'continue':
      case 'return':
        break;
      default:
        assertNever(s, 'statement');
    }
  }
}

export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'integer':
    case 'string':
    case 'positional':
    case 'builtin':
    case 'variable':
    case 'identifier':
    case 'sizeof':
      break;
    case 'map':
      for (const k of e.keys) walkExpr(k, visit);
      break;
    case 'call':
      for (const a of e.args) walkExpr(a, visit);
      break;
    case 'binary':
      walkExpr(e.left, visit);
      walkExpr(e.right, visit);
      break;
    case 'unary':
      walkExpr(e.operand, visit);
      break;
    case 'incdec':
      walkExpr(e.target, visit);
      break;
    case 'ternary':
      walkExpr(e.cond, visit);
      walkExpr(e.then, visit);
      walkExpr(e.else, visit);
      break;
    case 'field':
      walkExpr(e.base, visit);
      break;
    case 'index':
      walkExpr(e.base, visit);
      walkExpr(e.index, visit);
      break;
    case 'tuple':
      for (const x of e.elems) walkExpr(x, visit);
      break;
    case 'tupleAccess':
      walkExpr(e.base, visit);
      break;
    case 'cast':
      walkExpr(e.operand, visit);
      break;
    default:
      assertNever(e, 'expression');
  }
}
