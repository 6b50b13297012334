// The HTTP client over bpfq's API (openapi.yaml), on Node's own fetch. Every method either
// returns the parsed body or throws ApiError (an HTTP error with its problem document) or
// ConnectionError (no answer at all).
import { ApiError, ConnectionError, type Problem } from './errors.js';
import { asJob, type Job, type JobStatus, type SubmitRequest } from './job.js';

export interface ApiClientOptions {
  /** Base URL without /v1, e.g. http://127.0.0.1:8080. */
  server: string;
  /** Bearer token; undefined sends no Authorization header. */
  token: string | undefined;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** How long a request other than an event stream may go unanswered. */
const REQUEST_TIMEOUT_MS = 60_000;

export class ApiClient {
  readonly server: string;
  private readonly token: string | undefined;

  constructor(options: ApiClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.token = options.token;
  }

  /**
   * POST /v1/jobs. With an idempotency key, repeating the submission (a retried CI job)
   * returns the job the first one created instead of starting another.
   */
  async submit(request: SubmitRequest, idempotencyKey?: string): Promise<Job> {
    const extra = idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey };
    return asJob(await this.json('POST', '/v1/jobs', request, extra));
  }

  async job(id: string): Promise<Job> {
    return asJob(await this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`));
  }

  async jobs(status?: JobStatus): Promise<Job[]> {
    const query = status === undefined ? '' : `?status=${encodeURIComponent(status)}`;
    const body = await this.json('GET', `/v1/jobs${query}`);
    // The list is either a bare array or wrapped as {jobs: [...]} / {items: [...]}.
    const list = Array.isArray(body) ? body : pickArray(body, ['jobs', 'items', 'data']);
    return list.map(asJob);
  }

  async resultJson(id: string): Promise<unknown> {
    return this.json('GET', `/v1/jobs/${encodeURIComponent(id)}/result`);
  }

  async resultText(id: string): Promise<string> {
    const res = await this.request(
      'GET',
      `/v1/jobs/${encodeURIComponent(id)}/result?format=text`,
      undefined,
      'text/plain',
    );
    return res.text();
  }

  async cancel(id: string): Promise<Job | undefined> {
    const body = await this.json('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
    try {
      return asJob(body);
    } catch {
      return undefined;
    }
  }

  /** Opens the job's event stream (text/event-stream); the caller reads and closes it. */
  async events(id: string, signal: AbortSignal): Promise<Response> {
    return this.request(
      'GET',
      `/v1/jobs/${encodeURIComponent(id)}/events`,
      undefined,
      'text/event-stream',
      signal,
    );
  }

  private async json(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<unknown> {
    const res = await this.request(method, path, body, 'application/json', undefined, extraHeaders);
    if (res.status === 204) return undefined;
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(res.status, {
        title: `the server sent invalid JSON for ${method} ${path}`,
      });
    }
  }

  async request(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    signal?: AbortSignal,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extraHeaders, accept };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.server}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A plain request that gets no answer in a minute counts as a connection failure;
        // event streams pass their own signal and may stay open as long as the job runs.
        signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ConnectionError(this.server, err);
    }
    if (!res.ok) throw new ApiError(res.status, await problemOf(res));
    return res;
  }
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as Problem;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the status and the start of the text.
  }
  return {
    status: res.status,
    title: res.statusText,
    ...(text === '' ? {} : { detail: text.slice(0, 200) }),
  };
}

function pickArray(body: unknown, fields: string[]): unknown[] {
  if (typeof body === 'object' && body !== null) {
    for (const f of fields) {
      const v = (body as Record<string, unknown>)[f];
      if (Array.isArray(v)) return v;
    }
  }
  throw new Error('the server sent a job list in an unexpected shape');
}
