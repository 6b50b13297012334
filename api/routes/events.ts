// GET /v1/jobs/{id}/events: Server-Sent Events from the job's Redis stream. The backlog
// comes first (after Last-Event-ID when the client reconnects), then events as they are
// added; the stream ends after the terminal status event.
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { readEvents, waitEvents, type StoredEvent } from '../../service/job-events.js';
import { isTerminal, type JobStatus } from '../../service/job.js';
import { readResult } from '../../service/result.js';
import { principal, requireScope } from '../auth.js';
import { jobLocation } from '../job-view.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../problem.js';
import { idParam } from '../validate.js';

/** A `result` event embeds the result JSON up to this size; larger ones only link to it. */
const INLINE_RESULT_BYTES = 1024 * 1024;

function isEnd(e: StoredEvent): boolean {
  return e.event === 'status' && isTerminal((e.data as { status: JobStatus }).status);
}

export function eventsRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/:id/events', requireScope('jobs:read'), async (req, res) => {
    const id = idParam(req.params);
    const job = await ctx.jobs.getFor(principal(res).tenant, id);
    if (job === undefined) throw notFound(`No job '${id}'.`);
    let last = req.get('last-event-id') ?? '0';
    if (!/^\d+-\d+$/.test(last)) last = '0';
    const backlog = await readEvents(ctx.redis, ctx.keys, id, last);

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = async (e: StoredEvent): Promise<void> => {
      let data = e.data;
      if (e.event === 'result') {
        // The final event carries the result itself when it is small enough for one event.
        const href = `${jobLocation(id)}/result`;
        const json = await readResult(ctx.redis, ctx.keys, id, 'json').catch(() => undefined);
        data = {
          ...(e.data as object),
          href,
          ...(json !== undefined && json.length <= INLINE_RESULT_BYTES
            ? { result: JSON.parse(json) as unknown }
            : {}),
        };
      }
      res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(data)}\n\n`);
      last = e.id;
    };

    for (const e of backlog) {
      await send(e);
      if (isEnd(e)) {
        res.end();
        return;
      }
    }
    // A finished job whose events expired (or were trimmed) still ends its stream properly.
    const now = await ctx.jobs.get(id);
    if (now !== undefined && isTerminal(now.status)) {
      const tail = await readEvents(ctx.redis, ctx.keys, id, last);
      for (const e of tail) await send(e);
      if (!tail.some(isEnd)) {
        res.write(
          `event: status\ndata: ${JSON.stringify({ status: now.status, at: now.finishedAt ?? now.createdAt })}\n\n`,
        );
      }
      res.end();
      return;
    }

    // XREAD BLOCK holds its connection, so each client gets its own.
    let closed = false;
    let blocking: Redis | undefined;
    req.on('close', () => {
      closed = true;
      blocking?.disconnect();
    });
    try {
      blocking = ctx.redis.duplicate({
        lazyConnect: true,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 1,
      });
      blocking.on('error', () => undefined);
      await blocking.connect();
      let quietSince = Date.now();
      while (!closed) {
        const events = await waitEvents(
          blocking,
          ctx.keys,
          id,
          last,
          Math.min(ctx.limits.sseKeepAliveMs, 5000),
        );
        for (const e of events) {
          await send(e);
          quietSince = Date.now();
          if (isEnd(e)) {
            closed = true;
            break;
          }
        }
        if (!closed && Date.now() - quietSince >= ctx.limits.sseKeepAliveMs) {
          res.write(': keep-alive\n\n');
          quietSince = Date.now();
        }
      }
    } catch (err) {
      if (!closed) ctx.logger.warn({ err, jobId: id }, 'event stream ended early');
    } finally {
      blocking?.disconnect();
      res.end();
    }
  });

  return router;
}
