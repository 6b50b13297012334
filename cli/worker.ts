// `bpfq worker`: the privileged tracing worker of one node, against REDIS_URL (what the
// worker container runs). SIGTERM stops taking jobs and interrupts running ones, which keep
// their partial results.
import {
  capabilityFacts,
  checkWorkerCapabilities,
  describeCapabilities,
} from '../worker/service/capabilities.js';
import { kernelRunner } from '../worker/service/kernel-runner.js';
import { startWorker } from '../worker/service/worker.js';
import type { Command } from './command.js';
import { SERVICE_FLAGS_HELP, serviceConfigOrUsage } from './service-options.js';
import { exitSoon, waitForSignal } from './wait-for-signal.js';

export const command: Command = {
  help: `Usage: bpfq worker [options]\n\nRuns a tracing worker for this node against REDIS_URL.\n\n${SERVICE_FLAGS_HELP}`,
  async main(argv: string[]): Promise<number> {
    const config = serviceConfigOrUsage('worker', argv);
    if (config === undefined) return 2;
    if (config.redisUrl === undefined) {
      process.stderr.write('bpfq worker: set REDIS_URL (or --redis), or run `bpfq serve`\n');
      return 2;
    }
    // Stop at once, naming what is missing, rather than failing every job with EPERM.
    const capabilities = checkWorkerCapabilities(capabilityFacts());
    for (const line of describeCapabilities(capabilities).split('\n').filter(Boolean)) {
      process.stderr.write(`bpfq worker: ${line}\n`);
    }
    if (capabilities.missing.length > 0) return 2;
    const worker = await startWorker({
      redisUrl: config.redisUrl,
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
    process.stderr.write(`bpfq worker: node ${config.node}, worker ${worker.workerId}, ready\n`);
    await waitForSignal();
    await worker.close();
    exitSoon(0);
    return 0;
  },
};
