// The express application: edge middleware (request logs, body limit), operational routes,
// the authenticated /v1 routes, and one error handler that writes every problem document.
import express, { type Express } from 'express';
import { authenticate } from './auth.js';
import type { ApiContext } from './context.js';
import { errorHandler, notFoundHandler, unavailable } from './problem.js';
import { requestLog } from './request-log.js';
import { eventsRouter } from './routes/events.js';
import { jobsRouter } from './routes/jobs.js';
import { miscRouter } from './routes/misc.js';

/** How long /readyz waits for Redis to answer PING. */
const READY_TIMEOUT_MS = 1000;

async function pingWithin(ctx: ApiContext, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ctx.redis.ping().then((r) => r === 'PONG'),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestLog(ctx.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (!(await pingWithin(ctx, READY_TIMEOUT_MS))) throw unavailable('Redis does not answer.');
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    const text = await ctx.metrics.registry.metrics();
    res.type(ctx.metrics.registry.contentType).send(text);
  });

  const v1 = express.Router();
  v1.use(authenticate(ctx));
  v1.use(express.json({ limit: ctx.limits.maxBodyBytes, strict: true }));
  v1.use('/jobs', jobsRouter(ctx));
  v1.use('/jobs', eventsRouter(ctx));
  v1.use('/', miscRouter(ctx));
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
