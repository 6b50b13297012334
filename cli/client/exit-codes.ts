// `bpfq submit`'s exit statuses, the contract CI scripts gate on (docs/ci.md).
export const EXIT = {
  /** The job completed and every assertion held. */
  ok: 0,
  /** The job completed and an assertion failed (or could not be evaluated). */
  assertionFailed: 1,
  /** The job failed, was cancelled, or its program did not compile. */
  jobFailed: 2,
  /** Bad command line, server unreachable, or authentication refused. */
  usage: 3,
  /** --timeout passed before the job ended (the job is cancelled). */
  timeout: 4,
} as const;
