// Errors as RFC 9457 problem documents. Routes throw an HttpProblem (or anything else); the one
// handler at the end of the app turns it into application/problem+json. Unknown errors become
// a bare 500: their messages may hold host paths, so they only go to the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { components } from './generated/openapi.js';
import { requestLogger } from './request-log.js';

export type Problem = components['schemas']['Problem'];

const TYPE_BASE = 'https://bpfq.dev/problems/';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Omit<Partial<Problem>, 'status' | 'title' | 'detail'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toJSON(): Problem {
    const slug = this.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/(^-|-$)/g, '');
    return {
      type: `${TYPE_BASE}${slug}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...this.extra,
    };
  }
}

export const badRequest = (detail: string, extra?: HttpProblem['extra']): HttpProblem =>
  new HttpProblem(400, 'Bad Request', detail, extra);
export const notFound = (detail: string): HttpProblem => new HttpProblem(404, 'Not Found', detail);
export const unavailable = (detail: string): HttpProblem =>
  new HttpProblem(503, 'Service Unavailable', detail, {}, { 'Retry-After': '1' });

/** Errors ioredis raises while Redis is down or unreachable. */
function isRedisDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const text = `${err.name} ${err.message}`;
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|MaxRetriesPerRequest|enableOfflineQueue|LOADING|ETIMEDOUT|Command timed out/.test(
    text,
  );
}

/** body-parser's errors carry `status` and `type`. */
interface ParserError {
  status?: number;
  type?: string;
}

export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const parser = err as ParserError;
  if (parser?.type === 'entity.too.large') {
    return new HttpProblem(
      413,
      'Payload Too Large',
      'The request body is larger than the API accepts.',
    );
  }
  if (parser?.type === 'entity.parse.failed') {
    return badRequest('The request body is not valid JSON.');
  }
  if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported') {
    return new HttpProblem(
      415,
      'Unsupported Media Type',
      'The request body encoding is not supported.',
    );
  }
  if (isRedisDown(err))
    return unavailable('The job store (Redis) is not reachable; retry shortly.');
  return new HttpProblem(
    500,
    'Internal Server Error',
    'An unexpected error occurred; it has been logged.',
  );
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problem.toJSON()));
}

export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const problem = toProblem(err);
  if (problem.status >= 500) requestLogger(res)?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendProblem(res, problem);
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpProblem(404, 'Not Found', `No route for ${req.method} ${req.path}.`));
};
