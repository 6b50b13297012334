// The job service's settings, read once from the environment. Every field documents its
// variable and default; tests build a ServiceConfig directly instead of setting env vars.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { adminTokenFromEnv } from './admin-token.js';

export interface ServiceConfig {
  /** PORT: the API's TCP port. Default 8080. */
  port: number;
  /** HOST: the API's listen address. Default 127.0.0.1. */
  host: string;
  /** REDIS_URL: undefined means `serve` starts an embedded redis-server. */
  redisUrl: string | undefined;
  /** BPFQ_PREFIX: prefix of every Redis key (and BullMQ's prefix). Default `bpfq`. */
  prefix: string;
  /** BPFQ_NODE: this worker's node name. Default the host name. */
  node: string;
  /** BPFQ_DATA_DIR: embedded Redis data and the generated admin token. Default `./.bpfq`. */
  dataDir: string;
  /**
   * BPFQ_ADMIN_TOKEN, or the contents of the file BPFQ_ADMIN_TOKEN_FILE (a mounted secret;
   * setting both is an error): the bootstrap admin token; `serve` generates one when unset.
   */
  adminToken: string | undefined;
  /** BPFQ_WORKER_CONCURRENCY: jobs one worker runs at once. Default 8. */
  workerConcurrency: number;
  /** BPFQ_RESULT_TTL: seconds a finished job's result and record are kept. Default 7 days. */
  resultTtlSeconds: number;
  /** BPFQ_MAX_RESULT_BYTES: a larger result is cut and marked truncated. Default 16 MiB. */
  maxResultBytes: number;
  /** BPFQ_STALL_MS: a running job whose worker was silent this long fails "worker lost". Default 30 s. */
  stallMs: number;
  /** BPFQ_HEARTBEAT_MS: how often a worker announces itself. Default 5 s. */
  heartbeatMs: number;
  /**
   * BPFQ_NODE_LOST_AFTER: seconds a node may go without any worker heartbeat before its
   * queued jobs fail "node NODE lost" and leave its queue. Default 300 (5 minutes).
   */
  nodeLostAfterSeconds: number;
}

function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  }
  return value;
}

/** BPFQ_NODE_LOST_AFTER, read on its own for the reaper's default (see reaper.ts). */
export function nodeLostAfterSeconds(): number {
  return int('BPFQ_NODE_LOST_AFTER', 300, 1);
}

function str(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Node names become BullMQ queue names and Redis key parts. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function configFromEnv(): ServiceConfig {
  const node = str('BPFQ_NODE') ?? hostname();
  if (!NODE_NAME.test(node)) {
    throw new Error(`BPFQ_NODE '${node}' must match ${NODE_NAME.source}`);
  }
  return {
    port: int('PORT', 8080, 0),
    host: str('HOST') ?? '127.0.0.1',
    redisUrl: str('REDIS_URL'),
    prefix: str('BPFQ_PREFIX') ?? 'bpfq',
    node,
    dataDir: resolve(str('BPFQ_DATA_DIR') ?? '.bpfq'),
    adminToken: adminTokenFromEnv(process.env),
    workerConcurrency: int('BPFQ_WORKER_CONCURRENCY', 8, 1),
    resultTtlSeconds: int('BPFQ_RESULT_TTL', 7 * 24 * 3600, 1),
    maxResultBytes: int('BPFQ_MAX_RESULT_BYTES', 16 * 1024 * 1024, 1024),
    stallMs: int('BPFQ_STALL_MS', 30_000, 100),
    heartbeatMs: int('BPFQ_HEARTBEAT_MS', 5_000, 50),
    nodeLostAfterSeconds: nodeLostAfterSeconds(),
  };
}
