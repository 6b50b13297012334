// Follows a job to its end: over the job's server-sent event stream when the server offers
// it, otherwise (or when the stream breaks: a proxy that buffers, a dropped connection) by
// polling GET /v1/jobs/{id}. Either way the caller hears about status changes and, from
// the stream, the program's printf lines as they arrive.
import type { ApiClient } from './api-client.js';
import { ApiError, ConnectionError } from './errors.js';
import { isTerminal, type Job, type JobStatus } from './job.js';
import { readServerEvents, type ServerEvent } from './sse.js';

export interface FollowOptions {
  /** Aborting it stops following at once (the caller's timeout). */
  signal: AbortSignal;
  /** Called with the job whenever its status may have changed. */
  onJob(job: Job): void;
  /** Called with each line of output (printf, time, cat, system) the job streams. */
  onOutput(text: string): void;
  /** Called when the job's probes are attached (the `attached` event), with their number. */
  onAttached?(probes: number): void;
  /** Called when the job reports output it had to drop (the `lost` event). */
  onLost?(events: number): void;
  /** Called when the server stopped answering and the client keeps retrying. */
  onRetry?(reason: string): void;
  /** Called once if the event stream could not be used, with the reason. */
  onFallback?(reason: string): void;
  /** Poll interval when there is no event stream. Default 1000 ms. */
  pollMs?: number;
}

/** Resolves with the job in a terminal state; rejects with the signal's reason on abort. */
export async function followJob(
  client: ApiClient,
  id: string,
  options: FollowOptions,
): Promise<Job> {
  const viaStream = await followStream(client, id, options);
  if (viaStream.job !== undefined) return viaStream.job;
  if (viaStream.reason !== undefined) options.onFallback?.(viaStream.reason);
  return poll(client, id, options);
}

const outputTypes = new Set(['printf', 'time', 'cat', 'syscall', 'join']);
const statuses: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

async function followStream(
  client: ApiClient,
  id: string,
  options: FollowOptions,
): Promise<{ job?: Job; reason?: string }> {
  const local = new AbortController();
  const stop = (): void => local.abort(options.signal.reason);
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    let res: Response;
    try {
      res = await client.events(id, local.signal);
    } catch (err) {
      if (options.signal.aborted) throw options.signal.reason;
      // Authentication and missing jobs are real answers; anything else means "no stream here".
      if (err instanceof ApiError && (err.isAuth || err.status === 404)) throw err;
      if (err instanceof ApiError) return { reason: `HTTP ${err.status}: ${err.message}` };
      return { reason: err instanceof Error ? err.message : String(err) };
    }
    if (
      res.body === null ||
      !(res.headers.get('content-type') ?? '').includes('text/event-stream')
    ) {
      await res.body?.cancel();
      return { reason: 'the server sent no event stream' };
    }
    let last: JobStatus | undefined;
    try {
      for await (const ev of readServerEvents(res.body)) {
        const update = interpret(ev);
        if (update.output !== undefined) options.onOutput(update.output);
        if (update.lost !== undefined) options.onLost?.(update.lost);
        if (update.attached !== undefined) options.onAttached?.(update.attached);
        if (update.status !== undefined && update.status !== last) {
          last = update.status;
          // Fetch the whole job (events carry only the status; the caller wants the node,
          // error details, timestamps) but report the status this event announced: the
          // job may already be further along, and ending on the fetched status would drop
          // the printf events still queued behind this one in the stream.
          const job = await jobRetrying(client, id, options);
          if (isTerminal(update.status)) {
            options.onJob(job);
            if (isTerminal(job.status)) return { job };
          } else {
            options.onJob({ ...job, status: update.status });
          }
        }
        if (update.end) break;
      }
    } catch (err) {
      if (options.signal.aborted) throw options.signal.reason;
      if (err instanceof ApiError) throw err;
      return { reason: `event stream broke: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      local.abort();
    }
    // The stream ended: either the job is done, or the connection was cut.
    const job = await jobRetrying(client, id, options);
    options.onJob(job);
    if (isTerminal(job.status)) return { job };
    return { reason: 'the event stream ended before the job did' };
  } finally {
    options.signal.removeEventListener('abort', stop);
  }
}

interface Update {
  status?: JobStatus;
  lost?: number;
  attached?: number;
  output?: string;
  end?: boolean;
}

/**
 * One event's meaning (openapi.yaml, getJobEvents): `status` and `result` carry
 * {status, ...}, `printf` carries {text}, `lost` carries {events}, `attached` {probes}. Output given as a bpftrace
 * JSON record ({"type": "printf", "data": "..."}) is understood too.
 */
function interpret(ev: ServerEvent): Update {
  let data: unknown = ev.data;
  try {
    data = JSON.parse(ev.data) as unknown;
  } catch {
    // Plain text data: an output line if the event's name says so.
  }
  const update: Update = {};
  if (ev.event === 'end' || ev.event === 'done' || ev.event === 'close') update.end = true;
  if (typeof data === 'string') {
    if (outputTypes.has(ev.event)) update.output = data;
    return update;
  }
  if (typeof data !== 'object' || data === null) return update;
  const o = data as Record<string, unknown>;
  const status = o['status'];
  if (typeof status === 'string' && statuses.includes(status as JobStatus))
    update.status = status as JobStatus;
  if (ev.event === 'lost' && typeof o['events'] === 'number') update.lost = o['events'];
  if (ev.event === 'attached' && typeof o['probes'] === 'number') update.attached = o['probes'];
  const record =
    typeof o['record'] === 'object' && o['record'] !== null
      ? (o['record'] as Record<string, unknown>)
      : o;
  const type = typeof record['type'] === 'string' ? record['type'] : ev.event;
  if (outputTypes.has(type)) {
    const text = record['data'] ?? record['text'] ?? record['line'];
    if (typeof text === 'string') update.output = text;
  }
  return update;
}

async function poll(client: ApiClient, id: string, options: FollowOptions): Promise<Job> {
  const interval = options.pollMs ?? 1000;
  let last: JobStatus | undefined;
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason;
    const job = await jobRetrying(client, id, options);
    if (job.status !== last) {
      last = job.status;
      options.onJob(job);
    }
    if (isTerminal(job.status)) return job;
    await sleep(interval, options.signal);
  }
}

/** How long a server may stay unreachable while we wait (an API restart, a proxy blip). */
const OUTAGE_MS = 60_000;

/**
 * GET the job, riding out a restarting server: connection failures and 5xx answers are
 * retried every poll interval for up to a minute; anything else (401, 404) is final.
 */
async function jobRetrying(client: ApiClient, id: string, options: FollowOptions): Promise<Job> {
  const since = Date.now();
  let said = false;
  for (;;) {
    try {
      return await client.job(id);
    } catch (err) {
      const transient =
        err instanceof ConnectionError || (err instanceof ApiError && err.status >= 500);
      if (!transient || Date.now() - since > OUTAGE_MS || options.signal.aborted) throw err;
      if (!said) options.onRetry?.(err.message);
      said = true;
      await sleep(options.pollMs ?? 1000, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
