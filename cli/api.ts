// `bpfq api`: the HTTP API only, against REDIS_URL (what the API container runs).
import { ListenError, startApiServer, type ApiServer } from '../api/server.js';
import type { Command } from './command.js';
import { SERVICE_FLAGS_HELP, serviceConfigOrUsage } from './service-options.js';
import { exitSoon, waitForSignal } from './wait-for-signal.js';

export const command: Command = {
  help: `Usage: bpfq api [options]\n\nRuns the HTTP API against REDIS_URL.\n\n${SERVICE_FLAGS_HELP}`,
  async main(argv: string[]): Promise<number> {
    const config = serviceConfigOrUsage('api', argv);
    if (config === undefined) return 2;
    if (config.redisUrl === undefined) {
      process.stderr.write(
        'bpfq api: set REDIS_URL (or --redis), or run `bpfq serve` for an embedded Redis\n',
      );
      return 2;
    }
    let server: ApiServer;
    try {
      server = await startApiServer({
        redisUrl: config.redisUrl,
        prefix: config.prefix,
        port: config.port,
        host: config.host,
        stallMs: config.stallMs,
        resultTtlSeconds: config.resultTtlSeconds,
        ...(config.adminToken === undefined ? {} : { adminToken: config.adminToken }),
      });
    } catch (err) {
      if (!(err instanceof ListenError)) throw err;
      process.stderr.write(`bpfq api: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`bpfq api: listening on ${server.url}\n`);
    await waitForSignal();
    await server.close();
    exitSoon(0);
    return 0;
  },
};
