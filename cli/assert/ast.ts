// The assertion language's syntax tree. Every node keeps the source span it came from, so a
// failure report can quote exactly the part of the user's expression it observed.

export interface Span {
  /** Offset of the first character (0-based). */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type LogicOp = '&&' | '||';

/** The statistics a function call can ask of a map. */
export type StatFunction = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'percentile';

export type Expr =
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly unit: 'time' | 'size' | undefined;
      readonly span: Span;
    }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | MapRef
  | {
      readonly kind: 'call';
      readonly fn: StatFunction;
      /** For percentile: the percentile asked for (0..100). */
      readonly percent: number | undefined;
      readonly arg: MapRef;
      readonly span: Span;
    }
  | { readonly kind: 'not'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly span: Span }
  | {
      readonly kind: 'arith';
      readonly op: ArithOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    }
  | {
      readonly kind: 'logic';
      readonly op: LogicOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    };

export interface MapRef {
  readonly kind: 'map';
  /** The map's name with its `@`, as bpftrace's JSON output names it (`@`, `@lat`). */
  readonly name: string;
  /** The key, rendered as bpftrace's JSON output renders keys (`"5"`, `"a,1"`), if indexed. */
  readonly key: string | undefined;
  readonly span: Span;
}
