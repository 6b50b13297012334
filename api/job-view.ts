// The API's view of a job record: the Job schema of openapi.yaml (no tenant, no internal flags).
import type { JobRecord } from '../service/job.js';
import type { components } from './generated/openapi.js';

export type ApiJob = components['schemas']['Job'];

export function jobView(job: JobRecord): ApiJob {
  return {
    id: job.id,
    status: job.status,
    program: job.program,
    durationSeconds: job.durationSeconds,
    pid: job.pid,
    node: job.node,
    format: job.format,
    params: job.params,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    errorDetail: job.errorDetail,
    warnings: job.warnings,
    hasResult: job.hasResult,
  };
}

export function jobLocation(id: string): string {
  return `/v1/jobs/${encodeURIComponent(id)}`;
}
