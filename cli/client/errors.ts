// What can go wrong talking to the API, as the exit statuses of `bpfq submit` see it:
// usage, connection and authentication problems are status 3; a program the service
// rejects (compile errors) is status 2; a timeout is status 4.

export interface ProblemField {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** An RFC 9457 problem document as the API sends it (application/problem+json). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly ProblemField[];
}

/** The server answered with an HTTP error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }

  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** Compile diagnostics, when the server rejected the program itself. */
  get diagnostics(): readonly ProblemField[] {
    return this.problem.errors ?? [];
  }
}

/** The server could not be reached at all (refused, DNS, reset, TLS). */
export class ConnectionError extends Error {
  constructor(
    readonly server: string,
    cause: unknown,
  ) {
    super(`cannot reach ${server}: ${describeCause(cause)}`, { cause });
    this.name = 'ConnectionError';
  }
}

/** A bad command line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function describeCause(cause: unknown): string {
  // Node's fetch wraps the socket error: "fetch failed" with the interesting part in .cause.
  if (cause instanceof Error) {
    const inner = cause.cause;
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: unknown }).code;
      return typeof code === 'string' ? `${code} (${inner.message})` : inner.message;
    }
    return cause.message;
  }
  return String(cause);
}
