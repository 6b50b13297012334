// /v1/compile, /v1/probes, /v1/nodes and /v1/tokens.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { liveNodes, nodeInfo } from '../../service/nodes.js';
import type { Scope } from '../../service/tokens.js';
import { principal, requireScope } from '../auth.js';
import { chooseNode } from '../choose-node.js';
import type { ApiContext } from '../context.js';
import { badRequest, unavailable } from '../problem.js';
import { compileProblem } from '../dry-run.js';
import { compileRequest, nodeName, tokenRequest } from '../validate.js';

/** What a worker sends back on the reply channel of a probe-list request. */
interface ProbesReply {
  probes?: string[];
  error?: string;
}

export function miscRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/compile', requireScope('jobs:read'), async (req, res) => {
    const request = compileRequest(req.body, ctx.limits);
    const outcome = await ctx.compiler.compile({
      program: request.program,
      params: request.params,
      ...(request.pid === undefined ? {} : { pid: request.pid }),
    });
    if (outcome === undefined) throw unavailable('The compiler is not available on the API host.');
    if (!outcome.ok) throw compileProblem(outcome.errors);
    res.json(outcome);
  });

  router.get('/probes', requireScope('jobs:read'), async (req, res) => {
    const search = req.query['search'];
    if (search !== undefined && (typeof search !== 'string' || search.length > 512)) {
      throw badRequest('`search` must be a probe pattern of at most 512 characters.');
    }
    const node = await chooseNode(ctx, nodeName(req.query['node'], 'node'));
    const requestId = randomUUID();
    const subscriber = ctx.redis.duplicate({
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
    });
    subscriber.on('error', () => undefined);
    try {
      await subscriber.connect();
      const reply = new Promise<ProbesReply | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ctx.limits.probesTimeoutMs);
        subscriber.on('message', (_channel: string, message: string) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(message) as ProbesReply);
          } catch {
            resolve({ error: 'the node sent an unreadable probe list' });
          }
        });
      });
      await subscriber.subscribe(ctx.keys.replyChannel(requestId));
      const listeners = await ctx.redis.publish(
        ctx.keys.probesChannel(node),
        JSON.stringify({ requestId, search: search ?? '' }),
      );
      if (listeners === 0) throw unavailable(`No worker of node '${node}' is listening.`);
      const answer = await reply;
      if (answer === undefined) throw unavailable(`Node '${node}' did not answer in time.`);
      if (answer.error !== undefined) throw badRequest(answer.error);
      res.json({ node, probes: answer.probes ?? [] });
    } finally {
      subscriber.disconnect();
    }
  });

  router.get('/nodes', requireScope('jobs:read'), async (_req, res) => {
    res.json({ items: (await liveNodes(ctx.redis, ctx.keys)).map(nodeInfo) });
  });

  router.post('/tokens', requireScope('admin'), async (req, res) => {
    principal(res);
    const request = tokenRequest(req.body);
    const scopes: Scope[] = (request.scopes as Scope[] | undefined) ?? ['jobs:write', 'jobs:read'];
    const { token, record } = await ctx.tokens.issue(
      request.tenant,
      scopes,
      request.name ?? request.tenant,
      request.maxActiveJobs,
    );
    res.status(201).json({
      token,
      tenant: record.tenant,
      scopes: record.scopes,
      ...(record.maxActiveJobs === undefined ? {} : { maxActiveJobs: record.maxActiveJobs }),
    });
  });

  return router;
}
