// An assertion as `bpfq submit --assert` takes it: parsed and checked once, up front, then
// evaluated against a job's result.
import type { Expr } from './ast.js';
import { checkAssertion } from './check.js';
import { evaluate, type Verdict } from './evaluator.js';
import { parse } from './parser.js';
import type { ResultView } from './result-view.js';

export interface Assertion {
  readonly source: string;
  readonly expr: Expr;
}

/** Throws AssertionSyntaxError for anything malformed or ill-typed. */
export function compileAssertion(source: string): Assertion {
  const expr = parse(source);
  checkAssertion(source, expr);
  return { source, expr };
}

export function checkAgainst(assertion: Assertion, result: ResultView): Verdict {
  return evaluate(assertion.source, assertion.expr, result);
}
