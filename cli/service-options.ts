// Command-line flags shared by `bpfq serve`, `bpfq api` and `bpfq worker`: each overrides the
// environment variable of the same setting (see service/config.ts).
import { parseArgs } from 'node:util';
import { configFromEnv, type ServiceConfig } from '../service/config.js';

export const SERVICE_FLAGS_HELP = `Options (each overrides its environment variable):
    --port N           API port (PORT, default 8080)
    --host ADDR        API listen address (HOST, default 127.0.0.1)
    --redis URL        Redis URL (REDIS_URL; serve starts an embedded redis-server when unset)
    --node NAME        this worker's node name (BPFQ_NODE, default the host name)
    --data-dir DIR     embedded Redis data and admin token (BPFQ_DATA_DIR, default ./.bpfq)
    --concurrency N    jobs a worker runs at once (BPFQ_WORKER_CONCURRENCY, default 8)
Also read: BPFQ_ADMIN_TOKEN or BPFQ_ADMIN_TOKEN_FILE (a file holding it, e.g. a mounted
secret), BPFQ_PREFIX, BPFQ_RESULT_TTL, BPFQ_MAX_RESULT_BYTES, BPFQ_STALL_MS, BPFQ_HEARTBEAT_MS,
BPFQ_NODE_LOST_AFTER (seconds without a worker before a node's queued jobs fail; 300).
`;

/**
 * The configuration, or undefined after printing `bpfq COMMAND: what is wrong` (an unknown
 * flag, a malformed number): the caller exits with status 2.
 */
export function serviceConfigOrUsage(command: string, argv: string[]): ServiceConfig | undefined {
  try {
    return serviceConfig(argv);
  } catch (err) {
    process.stderr.write(`bpfq ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.stderr.write(`Run 'bpfq ${command} --help' for the options.\n`);
    return undefined;
  }
}

export function serviceConfig(argv: string[]): ServiceConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      redis: { type: 'string' },
      node: { type: 'string' },
      'data-dir': { type: 'string' },
      concurrency: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  // Flags become environment variables so one parser (configFromEnv) validates everything.
  const env: Record<string, string | undefined> = {
    PORT: values.port,
    HOST: values.host,
    REDIS_URL: values.redis,
    BPFQ_NODE: values.node,
    BPFQ_DATA_DIR: values['data-dir'],
    BPFQ_WORKER_CONCURRENCY: values.concurrency,
  };
  for (const [name, value] of Object.entries(env))
    if (value !== undefined) process.env[name] = value;
  return configFromEnv();
}
