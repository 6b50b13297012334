// A malformed assertion. It is a usage error: `bpfq submit` reports it, with a caret under
// the offending column, before it submits anything.

export class AssertionSyntaxError extends Error {
  /** 1-based column of the problem inside the assertion. */
  readonly column: number;

  constructor(
    readonly reason: string,
    readonly source: string,
    offset: number,
  ) {
    super(`${reason} at column ${offset + 1}`);
    this.name = 'AssertionSyntaxError';
    this.column = offset + 1;
  }

  /** The assertion, and a caret line under the column, for a terminal. */
  render(): string {
    return `bad assertion: ${this.reason}\n  ${this.source}\n  ${' '.repeat(this.column - 1)}^\n`;
  }
}
