// One log line per request, written when the response is done: request id, method, URL,
// status, duration, remote address and, once authenticated, the tenant. Nothing is built
// for it before the response ends, and nothing at all when the logger's level drops it
// (pino-http, used before, serialised every request and its headers into a child logger up
// front, whatever the level: a tenth of the API's CPU per GET). Headers are not logged: the
// bearer token is one of them.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

const LOG = Symbol('request log');

interface RequestLogState {
  logger: Logger;
  id: string;
  startedAt: number;
  /** Set by authentication. */
  tenant?: string;
}

/** A caller's X-Request-Id when it is sane, else a fresh UUID. */
function requestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

function state(res: Response): RequestLogState | undefined {
  return (res.locals as Record<symbol, RequestLogState | undefined>)[LOG];
}

/**
 * Tags each request with an id (the caller's X-Request-Id if sane, echoed back so a problem
 * report can quote it) and logs it when its response finishes or its connection closes first:
 * `error` for 5xx, `info` otherwise.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const s: RequestLogState = {
      logger,
      id: requestId(req.headers['x-request-id']),
      startedAt: performance.now(),
    };
    (res.locals as Record<symbol, RequestLogState>)[LOG] = s;
    res.setHeader('X-Request-Id', s.id);
    // 'close' comes after 'finish' for a complete response and alone for an aborted one.
    res.once('close', () => logDone(req, res, s));
    next();
  };
}

function logDone(req: Request, res: Response, s: RequestLogState): void {
  const level = res.statusCode >= 500 ? 'error' : 'info';
  if (!s.logger.isLevelEnabled(level)) return;
  const tenant = s.tenant;
  s.logger[level](
    {
      reqId: s.id,
      req: { method: req.method, url: req.originalUrl, remoteAddress: req.socket.remoteAddress },
      res: { statusCode: res.statusCode },
      responseTime: Math.round((performance.now() - s.startedAt) * 10) / 10,
      ...(tenant === undefined ? {} : { tenant }),
    },
    res.writableFinished ? 'request completed' : 'request aborted',
  );
}

/** Names the request's tenant in its log line (called once the token is known). */
export function logTenant(res: Response, tenant: string): void {
  const s = state(res);
  if (s !== undefined) s.tenant = tenant;
}

/** A logger that tags its lines with the request's id (for handlers that log more). */
export function requestLogger(res: Response): Logger | undefined {
  const s = state(res);
  return s?.logger.child({ reqId: s.id });
}
