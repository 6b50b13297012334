// A job's stored result: a Redis hash with the JSON document the API serves by default, the
// exact bpftrace text, and the `bpftrace -f json` lines, each rendered once by the worker (the
// API never renders: it does not load the worker's output code).
import type { Redis } from 'ioredis';
import type { components } from '../api/generated/openapi.js';
import type { Keys } from './keys.js';

export type ResultDocument = components['schemas']['JobResult'];

export type ResultField = 'json' | 'text' | 'ndjson';

export interface StoredResult {
  /** JSON of ResultDocument. */
  json: string;
  text: string;
  ndjson: string;
}

export async function storeResult(
  redis: Redis,
  keys: Keys,
  jobId: string,
  result: StoredResult,
  ttlSeconds: number,
): Promise<void> {
  await redis
    .multi()
    .hset(keys.result(jobId), 'json', result.json, 'text', result.text, 'ndjson', result.ndjson)
    .expire(keys.result(jobId), ttlSeconds)
    .exec();
}

export async function readResult(
  redis: Redis,
  keys: Keys,
  jobId: string,
  field: ResultField,
): Promise<string | undefined> {
  return (await redis.hget(keys.result(jobId), field)) ?? undefined;
}
