// `bpfq serve` (= `make up`): the whole service on this machine. Without REDIS_URL it starts
// an embedded redis-server (service/embedded-redis.ts) with its data in BPFQ_DATA_DIR; then
// the API and one worker. Ctrl-C stops the worker (running jobs keep partial results), the
// API, and last the embedded Redis, so nothing is left running.
import { ListenError, startApiServer, type ApiServer } from '../api/server.js';
import { resolveAdminToken } from '../service/admin-token.js';
import {
  RedisServerMissingError,
  startEmbeddedRedis,
  type EmbeddedRedis,
} from '../service/embedded-redis.js';
import { kernelRunner } from '../worker/service/kernel-runner.js';
import { startWorker } from '../worker/service/worker.js';
import type { Command } from './command.js';
import { SERVICE_FLAGS_HELP, serviceConfigOrUsage } from './service-options.js';
import { waitForSignal } from './wait-for-signal.js';

export const command: Command = {
  help:
    'Usage: bpfq serve [options]\n\nRuns the API, one worker and (without REDIS_URL) an embedded ' +
    `redis-server.\n\n${SERVICE_FLAGS_HELP}`,
  async main(argv: string[]): Promise<number> {
    const config = serviceConfigOrUsage('serve', argv);
    if (config === undefined) return 2;
    // Install the handlers first: a Ctrl-C during start-up must still stop redis-server.
    const signalled = waitForSignal();
    let redis: EmbeddedRedis | undefined;
    let redisUrl = config.redisUrl;
    if (redisUrl === undefined) {
      try {
        redis = await startEmbeddedRedis({ dataDir: config.dataDir });
      } catch (err) {
        if (err instanceof RedisServerMissingError) {
          process.stderr.write(`bpfq serve: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
      redisUrl = redis.url;
      process.stderr.write(
        `bpfq serve: embedded redis-server on 127.0.0.1:${redis.port}, data in ${redis.dataDir}\n`,
      );
    }
    try {
      const admin = resolveAdminToken(config.adminToken, config.dataDir);
      let api: ApiServer;
      try {
        api = await startApiServer({
          redisUrl,
          prefix: config.prefix,
          port: config.port,
          host: config.host,
          adminToken: admin.token,
          stallMs: config.stallMs,
          resultTtlSeconds: config.resultTtlSeconds,
        });
      } catch (err) {
        if (!(err instanceof ListenError)) throw err;
        process.stderr.write(`bpfq serve: ${err.message}\n`);
        return 1;
      }
      const worker = await startWorker({
        redisUrl,
        prefix: config.prefix,
        node: config.node,
        runner: kernelRunner(),
        concurrency: config.workerConcurrency,
        stallMs: config.stallMs,
        heartbeatMs: config.heartbeatMs,
        resultTtlSeconds: config.resultTtlSeconds,
        maxResultBytes: config.maxResultBytes,
      });
      await worker.ready();
      process.stderr.write(`bpfq serve: API on ${api.url}/v1, worker for node '${config.node}'\n`);
      if (admin.file !== undefined) {
        process.stderr.write(
          `bpfq serve: admin token ${admin.created ? 'created' : 'read'} in ${admin.file} ` +
            `(use: Authorization: Bearer $(cat ${admin.file}))\n`,
        );
      }
      await signalled;
      process.stderr.write('bpfq serve: stopping\n');
      await worker.close();
      await api.close();
    } finally {
      await redis?.stop();
    }
    return 0;
  },
};
