// /v1/jobs: submit, list, get, cancel, fetch results.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { appendEvent } from '../../service/job-events.js';
import { errorFields } from '../../service/job-store.js';
import { isTerminal, type JobRecord } from '../../service/job.js';
import { readResult, type ResultField } from '../../service/result.js';
import { principal, requireScope } from '../auth.js';
import { chooseLiveNode } from '../choose-node.js';
import { hostView } from '../../service/host-view.js';
import type { ApiContext } from '../context.js';
import { blockingErrors, compileProblem, hostSeesProbes } from '../dry-run.js';
import { jobLocation, jobView } from '../job-view.js';
import { HttpProblem, badRequest, notFound, unavailable } from '../problem.js';
import { cursorParam, idParam, jobRequest, limitParam, statusFilter } from '../validate.js';

/** Transient failures (a worker restarting, Redis blips) are retried by BullMQ this often. */
const ATTEMPTS = 3;

function idempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > 200 || !/^[\x21-\x7e]+$/.test(value)) {
    throw badRequest('`Idempotency-Key` must be 1 to 200 printable ASCII characters.');
  }
  return value;
}

export function jobsRouter(ctx: ApiContext): Router {
  const router = Router();
  const seesProbes = hostSeesProbes();
  const here = hostView();

  async function load(tenant: string, id: string): Promise<JobRecord> {
    const job = await ctx.jobs.getFor(tenant, id);
    if (job === undefined) throw notFound(`No job '${id}'.`);
    return job;
  }

  router.post('/', requireScope('jobs:write'), async (req, res) => {
    const { tenant } = principal(res);
    const request = jobRequest(req.body, ctx.limits);
    const idem = idempotencyKey(req.get('idempotency-key'));

    if (idem !== undefined) {
      // A replay must not depend on which nodes are live now.
      const earlier = await ctx.redis.get(ctx.keys.idempotency(tenant, idem));
      const job = earlier === null ? undefined : await ctx.jobs.getFor(tenant, earlier);
      if (job !== undefined) {
        res
          .status(202)
          .location(jobLocation(job.id))
          .set('Idempotent-Replayed', 'true')
          .json(jobView(job));
        return;
      }
    }

    const quota = principal(res).token.maxActiveJobs;
    if (quota !== undefined) {
      const active = await ctx.jobs.activeCount(tenant);
      if (active >= quota) {
        throw new HttpProblem(
          429,
          'Too Many Requests',
          `This tenant has ${active} queued or running jobs; its limit is ${quota}.`,
          {},
          { 'Retry-After': '5' },
        );
      }
    }
    // Compile before queueing, so a bad program is a 400 with its diagnostics and nothing is
    // queued. Syntax, names, types and limits are judged the same on every host. Probes
    // (tracepoints, binaries, symbols) are judged here only when a worker of the job's node
    // sees this kernel and these files (host-view.ts); else that worker judges them when it
    // compiles the job. A pid names a process of the node, so it is passed only then.
    const dry = await ctx.compiler.compile({ program: request.program, params: request.params });
    if (dry !== undefined) {
      const errors = blockingErrors(dry, false);
      if (errors.length > 0) throw compileProblem(errors);
    }
    const live = await chooseLiveNode(ctx, request.node);
    const node = live.name;
    const sameView = seesProbes && here !== undefined && live.views.includes(here);
    if (dry !== undefined && !dry.ok && sameView) {
      const judged =
        request.pid === undefined
          ? dry
          : await ctx.compiler.compile({
              program: request.program,
              params: request.params,
              pid: request.pid,
            });
      const errors = judged === undefined ? [] : blockingErrors(judged, true);
      if (errors.length > 0) throw compileProblem(errors);
    }
    const record: JobRecord = {
      id: randomUUID(),
      tenant,
      status: 'queued',
      program: request.program,
      durationSeconds: request.durationSeconds,
      pid: request.pid ?? null,
      node,
      format: request.format,
      params: request.params,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      errorDetail: null,
      warnings: [],
      hasResult: false,
      cancelRequested: false,
    };
    const { job, created } = await ctx.jobs.create(record, idem);
    if (!created) {
      res
        .status(202)
        .location(jobLocation(job.id))
        .set('Idempotent-Replayed', 'true')
        .json(jobView(job));
      return;
    }
    try {
      await ctx.queues.get(node).add(
        'trace',
        { id: job.id },
        {
          jobId: job.id,
          attempts: ATTEMPTS,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 24 * 3600 },
        },
      );
    } catch (err) {
      // Keep no queued record that no worker will ever see.
      await ctx.jobs
        .transition(job.id, ['queued'], 'failed', {
          finishedAt: new Date().toISOString(),
          ...errorFields('The job could not be queued.', { kind: 'enqueue' }),
        })
        .catch(() => undefined);
      ctx.logger.error({ err, jobId: job.id }, 'enqueue failed');
      throw unavailable('The job could not be queued; retry shortly.');
    }
    await appendEvent(ctx.redis, ctx.keys, job.id, {
      event: 'status',
      data: { status: 'queued', at: job.createdAt },
    });
    res.status(202).location(jobLocation(job.id)).json(jobView(job));
  });

  router.get('/', requireScope('jobs:read'), async (req, res) => {
    const { tenant } = principal(res);
    const status = statusFilter(req.query['status']);
    const limit = limitParam(req.query['limit']);
    const cursor = cursorParam(req.query['cursor']);
    const page = await ctx.jobs.list(tenant, {
      limit,
      ...(status === undefined ? {} : { status }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    res.json({
      items: page.jobs.map(jobView),
      nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
    });
  });

  router.get('/:id', requireScope('jobs:read'), async (req, res) => {
    res.json(jobView(await load(principal(res).tenant, idParam(req.params))));
  });

  router.delete('/:id', requireScope('jobs:write'), async (req, res) => {
    const { tenant } = principal(res);
    const job = await load(tenant, idParam(req.params));
    if (job.status === 'queued') {
      const at = new Date().toISOString();
      const { changed } = await ctx.jobs.transition(job.id, ['queued'], 'cancelled', {
        finishedAt: at,
        error: 'cancelled before it ran',
      });
      if (changed) {
        // The record's status is what counts: a worker that already took the job from the
        // queue sees 'cancelled' and never runs it, so a failed remove is harmless.
        await ctx.queues
          .get(job.node)
          .remove(job.id)
          .catch(() => 0);
        await appendEvent(ctx.redis, ctx.keys, job.id, {
          event: 'status',
          data: { status: 'cancelled', at, error: 'cancelled before it ran' },
        });
      }
    }
    const now = await load(tenant, job.id);
    if (now.status === 'running') {
      await ctx.jobs.update(job.id, { cancelRequested: '1' });
      await ctx.redis.publish(ctx.keys.cancelChannel, job.id);
    }
    res.status(202).json(jobView(await load(tenant, job.id)));
  });

  router.get('/:id/result', requireScope('jobs:read'), async (req, res) => {
    const job = await load(principal(res).tenant, idParam(req.params));
    const query = req.query['format'];
    let field: ResultField;
    if (query !== undefined) {
      if (query !== 'json' && query !== 'text' && query !== 'ndjson') {
        throw badRequest('`format` must be json, text or ndjson.');
      }
      field = query;
    } else if ((req.get('accept') ?? '*/*').trim() === '*/*') {
      // No preference from the client: the format the submitter asked for (JSON by default).
      field = job.format;
    } else {
      const accepted = req.accepts(['application/json', 'text/plain', 'application/x-ndjson']);
      if (accepted === false) {
        throw new HttpProblem(
          406,
          'Not Acceptable',
          'Results are application/json, text/plain or application/x-ndjson.',
        );
      }
      field =
        accepted === 'text/plain'
          ? 'text'
          : accepted === 'application/x-ndjson'
            ? 'ndjson'
            : 'json';
    }
    if (!job.hasResult) {
      throw new HttpProblem(
        409,
        'Conflict',
        isTerminal(job.status)
          ? `Job '${job.id}' is ${job.status} without a result${job.error === null ? '' : `: ${job.error}`}.`
          : `Job '${job.id}' is ${job.status} and has no result yet.`,
      );
    }
    const body = await readResult(ctx.redis, ctx.keys, job.id, field);
    if (body === undefined) throw notFound(`The result of job '${job.id}' has expired.`);
    const type =
      field === 'json'
        ? 'application/json'
        : field === 'text'
          ? 'text/plain'
          : 'application/x-ndjson';
    res.status(200).type(`${type}; charset=utf-8`).send(body);
  });

  return router;
}
