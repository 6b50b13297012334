// Request bodies are checked here, field by field, against the same rules as openapi.yaml's
// schemas (tests validate every response against the yaml; requests are checked by hand so
// each error names its field plainly).
import { NODE_NAME } from '../service/config.js';
import { JOB_STATUSES, type JobStatus } from '../service/job.js';
import type { ApiLimits } from './context.js';
import type { components } from './generated/openapi.js';
import { HttpProblem, badRequest } from './problem.js';

type Body = Record<string, unknown>;

export interface JobRequest {
  program: string;
  durationSeconds: number;
  pid: number | undefined;
  node: string | undefined;
  format: 'json' | 'text';
  params: string[];
}

export type TokenRequest = components['schemas']['TokenCreate'];

function object(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object (Content-Type: application/json).');
  }
  return body as Body;
}

function onlyKnown(body: Body, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest(`Unknown field(s): ${unknown.join(', ')}.`);
}

export function program(body: Body, limits: ApiLimits): string {
  const value = body['program'];
  if (typeof value !== 'string' || value.length === 0) {
    throw badRequest('`program` is required: the bpftrace program text.');
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > limits.maxProgramBytes) {
    throw new HttpProblem(
      413,
      'Payload Too Large',
      `The program is ${bytes} bytes; the limit is ${limits.maxProgramBytes} bytes.`,
    );
  }
  return value;
}

function integer(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`\`${name}\` must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function params(body: Body): string[] {
  const value = body['params'];
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.length > 64 ||
    !value.every((p) => typeof p === 'string' && p.length <= 4096)
  ) {
    throw badRequest(
      '`params` must be an array of at most 64 strings (positional parameters $1, $2, ...).',
    );
  }
  return value as string[];
}

export function nodeName(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !NODE_NAME.test(value)) {
    throw badRequest(`\`${field}\` must be a node name (${NODE_NAME.source}).`);
  }
  return value;
}

export function jobRequest(raw: unknown, limits: ApiLimits): JobRequest {
  const body = object(raw);
  onlyKnown(body, ['program', 'durationSeconds', 'pid', 'node', 'format', 'params']);
  const text = program(body, limits);
  const durationSeconds = integer(body, 'durationSeconds', 1, 3600);
  if (durationSeconds === undefined) throw badRequest('`durationSeconds` is required (1 to 3600).');
  const format = body['format'];
  if (format !== undefined && format !== 'json' && format !== 'text') {
    throw badRequest('`format` must be "json" or "text".');
  }
  return {
    program: text,
    durationSeconds,
    pid: integer(body, 'pid', 1, 2 ** 31 - 1),
    node: nodeName(body['node'], 'node'),
    format: format ?? 'json',
    params: params(body),
  };
}

export function compileRequest(
  raw: unknown,
  limits: ApiLimits,
): { program: string; params: string[]; pid: number | undefined } {
  const body = object(raw);
  onlyKnown(body, ['program', 'params', 'pid']);
  return {
    program: program(body, limits),
    params: params(body),
    pid: integer(body, 'pid', 1, 2 ** 31 - 1),
  };
}

export function tokenRequest(raw: unknown): TokenRequest {
  const body = object(raw);
  onlyKnown(body, ['tenant', 'name', 'scopes', 'maxActiveJobs']);
  const maxActiveJobs = integer(body, 'maxActiveJobs', 1, 1_000_000);
  const tenant = body['tenant'];
  if (typeof tenant !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
    throw badRequest('`tenant` must be 1 to 64 letters, digits, dots, dashes or underscores.');
  }
  const name = body['name'];
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) {
    throw badRequest('`name` must be a string of at most 200 characters.');
  }
  const scopes = body['scopes'];
  const known = ['admin', 'jobs:write', 'jobs:read'];
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) || !scopes.every((s) => known.includes(s as string)))
  ) {
    throw badRequest(`\`scopes\` must be an array of ${known.join(', ')}.`);
  }
  return {
    tenant,
    ...(name === undefined ? {} : { name: name as string }),
    ...(scopes === undefined ? {} : { scopes: scopes as TokenRequest['scopes'] & string[] }),
    ...(maxActiveJobs === undefined ? {} : { maxActiveJobs }),
  };
}

export function statusFilter(value: unknown): JobStatus | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(JOB_STATUSES as readonly string[]).includes(value)) {
    throw badRequest(`\`status\` must be one of ${JOB_STATUSES.join(', ')}.`);
  }
  return value as JobStatus;
}

export function limitParam(value: unknown): number {
  if (value === undefined) return 50;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 200)
    throw badRequest('`limit` must be an integer from 1 to 200.');
  return n;
}

export function cursorParam(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value))
    throw badRequest('`cursor` is not valid.');
  return Number(value);
}

/** The `{id}` path parameter (express 5 types params as string | string[] for wildcards). */
export function idParam(params: Record<string, string | string[] | undefined>): string {
  const id = params['id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > 100)
    throw badRequest('Invalid job id.');
  return id;
}
