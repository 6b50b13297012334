// Static checks on a parsed assertion, so a mistake such as `@a && 3` or `p99(@lat) < "x"`
// is a usage error before a job is submitted, rather than a failed check half an hour later.
import type { Expr } from './ast.js';
import { AssertionSyntaxError } from './syntax-error.js';

/** 'value' is a bare map reference: a number or a string, known only from the result. */
type Kind = 'bool' | 'num' | 'str' | 'value';

export function checkAssertion(source: string, expr: Expr): void {
  const kind = kindOf(source, expr);
  if (kind !== 'bool') {
    throw new AssertionSyntaxError(
      'an assertion must be a comparison (such as @errors == 0) or a combination of them with && and ||',
      source,
      expr.span.start,
    );
  }
}

function kindOf(source: string, e: Expr): Kind {
  const fail = (reason: string, at: Expr): never => {
    throw new AssertionSyntaxError(reason, source, at.span.start);
  };
  switch (e.kind) {
    case 'number':
      return 'num';
    case 'string':
      return 'str';
    case 'bool':
      return 'bool';
    case 'map':
      return 'value';
    case 'call':
      return 'num';
    case 'not':
      if (kindOf(source, e.operand) !== 'bool') fail("'!' applies to a comparison", e.operand);
      return 'bool';
    case 'neg': {
      const k = kindOf(source, e.operand);
      if (k !== 'num' && k !== 'value') fail("'-' applies to a number", e.operand);
      return 'num';
    }
    case 'arith':
      for (const side of [e.left, e.right]) {
        const k = kindOf(source, side);
        if (k !== 'num' && k !== 'value') fail(`'${e.op}' applies to numbers`, side);
      }
      return 'num';
    case 'compare': {
      const l = kindOf(source, e.left);
      const r = kindOf(source, e.right);
      if (l === 'bool' || r === 'bool')
        fail('compare values, not comparisons (use && or ||)', l === 'bool' ? e.left : e.right);
      const ordered = e.op !== '==' && e.op !== '!=';
      if (ordered && (l === 'str' || r === 'str'))
        fail(`'${e.op}' compares numbers; strings take == or !=`, l === 'str' ? e.left : e.right);
      if ((l === 'str' && r === 'num') || (l === 'num' && r === 'str'))
        fail('a number cannot equal a string', e.right);
      return 'bool';
    }
    case 'logic':
      for (const side of [e.left, e.right]) {
        if (kindOf(source, side) !== 'bool') fail(`'${e.op}' joins comparisons`, side);
      }
      return 'bool';
  }
}
