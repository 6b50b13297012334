// The job as the API returns it (openapi.yaml, schema Job). Declared here rather than
// imported so the client stays a thin, dependency-free module; the fields are the ones in
// INTERFACES.md, and anything else the server adds is carried along untouched.

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  readonly id: string;
  readonly status: JobStatus;
  readonly program?: string;
  readonly durationSeconds?: number;
  readonly pid?: number | null;
  readonly node?: string | null;
  readonly createdAt?: string;
  readonly startedAt?: string | null;
  readonly finishedAt?: string | null;
  readonly error?: string | null;
  readonly errorDetail?: JobErrorDetail | null;
  /** What bpftrace would have printed on stderr (openapi.yaml, Job.warnings). */
  readonly warnings?: readonly string[];
}

export interface JobErrorDetail {
  readonly kind?: string;
  readonly diagnostics?: readonly { line: number; column: number; message: string }[];
  readonly log?: string;
  readonly hint?: string;
}

export interface SubmitRequest {
  program: string;
  durationSeconds: number;
  pid?: number;
  node?: string;
  params?: string[];
  format?: 'text' | 'json';
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

const statuses: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

/** Checks the shape that the client relies on; throws on a body that is not a job. */
export function asJob(body: unknown): Job {
  if (typeof body !== 'object' || body === null)
    throw new Error('the server sent a job that is not an object');
  const o = body as Record<string, unknown>;
  if (typeof o['id'] !== 'string') throw new Error('the server sent a job without an id');
  if (!statuses.includes(o['status'] as JobStatus))
    throw new Error(`the server sent an unknown job status ${String(o['status'])}`);
  return o as unknown as Job;
}
