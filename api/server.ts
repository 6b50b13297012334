// Runs the API as an HTTP server: bootstraps the admin token, starts the lost-job reaper,
// listens, and closes everything on close(). Used by `bpfq api`, `bpfq serve` and the bench.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { startReaper } from '../service/reaper.js';
import { createApp } from './app.js';
import { createApi, type Api, type CreateApiOptions } from './create-api.js';
import { createHttpServer } from './http-server.js';

export interface ApiServerOptions extends CreateApiOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Registered as the admin token at start when given. */
  adminToken?: string;
  /** Reaper period and stall threshold: see service/reaper.ts. Default 30 s. */
  stallMs?: number;
  resultTtlSeconds?: number;
  logger?: Logger;
}

/** The server could not listen (port in use, address not available). */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface ApiServer {
  api: Api;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Runs `task` now and, while it fails (Redis not up yet), again every second. `first`
 * settles after the first attempt, so a reachable Redis is bootstrapped before listening.
 */
function retryUntilDone(task: () => Promise<void>): { first: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = (): Promise<void> =>
    task().catch(() => {
      if (!stopped) timer = setTimeout(() => void attempt(), 1000);
    });
  return {
    first: attempt(),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const api = await createApi(options);
  const bootstrap = retryUntilDone(async () => {
    if (options.adminToken !== undefined) await api.ctx.tokens.bootstrapAdmin(options.adminToken);
  });
  await bootstrap.first;
  const reaper = startReaper({
    redis: api.ctx.redis,
    keys: api.ctx.keys,
    intervalMs: Math.max(100, Math.floor((options.stallMs ?? 30_000) / 2)),
    resultTtlSeconds: options.resultTtlSeconds ?? 7 * 24 * 3600,
    logger: api.ctx.logger,
  });
  const app = createApp(api.ctx);
  let server: Server;
  try {
    server = await new Promise((resolve, reject) => {
      const s = createHttpServer(app);
      s.once('error', reject);
      s.listen(options.port, options.host, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  } catch (err) {
    bootstrap.stop();
    reaper.stop();
    await api.close();
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ListenError(`cannot listen on ${options.host}:${options.port}: ${code}`);
  }
  const port = (server.address() as AddressInfo).port;
  return {
    api,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    async close() {
      bootstrap.stop();
      reaper.stop();
      // SSE streams would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}
