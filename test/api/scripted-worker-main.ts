// A worker process with the scripted runner, for tests that kill a worker (-9) and need it
// to be a real separate process. Settings come from the environment; prints "ready".
import { startWorker } from '../../worker/service/worker.js';
import { pino } from 'pino';
import { scriptedRunner } from './scripted-runner.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const worker = await startWorker({
  redisUrl: env('REDIS_URL'),
  prefix: env('BPFQ_PREFIX'),
  node: env('BPFQ_NODE'),
  runner: scriptedRunner({ lines: ['tick\n', 'tick\n'], everyMs: 50 }),
  stallMs: Number(env('BPFQ_STALL_MS')),
  heartbeatMs: 1000,
  logger: pino({ level: 'silent' }),
});
await worker.ready();
process.stdout.write('ready\n');
