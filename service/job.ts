// A trace job as the service stores it. The API's Job schema (openapi.yaml) is this record
// minus `tenant`; the record lives in a Redis hash whose fields are strings (see job-store.ts).

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export const JOB_STATUSES: readonly JobStatus[] = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
];

export function isTerminal(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Why a job failed, as data: clients branch on `kind`, people read `message`. */
export interface JobErrorDetail {
  kind:
    | 'compile'
    | 'verifier'
    | 'not-supported'
    | 'attach'
    | 'pid'
    | 'worker-lost'
    | 'interrupted'
    | 'enqueue'
    | 'internal';
  /** Compile diagnostics, 1-based line and column. */
  diagnostics?: { line: number; column: number; message: string }[];
  /** The verifier log's last meaningful lines. */
  log?: string;
  /** What the worker knows of the cause beyond the diagnostics (a capability it lacks). */
  hint?: string;
}

export interface JobRecord {
  id: string;
  tenant: string;
  status: JobStatus;
  program: string;
  durationSeconds: number;
  pid: number | null;
  node: string;
  /** The result format the submitter prefers; both are always available. */
  format: 'json' | 'text';
  /** Positional parameters `$1 $2 ...`. */
  params: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  errorDetail: JobErrorDetail | null;
  /**
   * What the run printed where bpftrace prints to stderr: compiler warnings, cat() errors,
   * kernel symbols hidden from the worker. Empty until the job ends, and when there were none.
   */
  warnings: string[];
  /** True once a result document is stored. */
  hasResult: boolean;
  /** DELETE was asked while the job ran; the worker is stopping it. */
  cancelRequested: boolean;
}
