// Internal invariants. A failure here is a bug in bpfq, never a user error: user errors are
// Diagnostics (compiler/diagnostics.ts). check() catches nothing thrown from here on purpose.

export class InternalError extends Error {
  override name = 'InternalError';
}

export function fail(message: string): never {
  throw new InternalError(`internal error: ${message}`);
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) fail(message);
}

/** Ends every exhaustive switch: a new union member becomes a compile error here. */
export function assertNever(value: never, what = 'value'): never {
  fail(`unexpected ${what}: ${JSON.stringify(value)}`);
}
