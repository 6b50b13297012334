// Job records in Redis hashes, with every status change done by a Lua script so that a
// cancel, a worker picking the job up and the reaper never overwrite one another: a
// transition names the statuses it may start from and is a no-op otherwise.
import type { Redis } from 'ioredis';
import type { JobErrorDetail, JobRecord, JobStatus } from './job.js';
import type { Keys } from './keys.js';
import { statsKey } from './stats.js';

/** Idempotency keys are remembered this long. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

function encode(job: JobRecord): string[] {
  return [
    'id', job.id,
    'tenant', job.tenant,
    'status', job.status,
    'program', job.program,
    'durationSeconds', String(job.durationSeconds),
    'pid', job.pid === null ? '' : String(job.pid),
    'node', job.node,
    'format', job.format,
    'params', JSON.stringify(job.params),
    'createdAt', job.createdAt,
    'startedAt', job.startedAt ?? '',
    'finishedAt', job.finishedAt ?? '',
    'error', job.error ?? '',
    'errorDetail', job.errorDetail === null ? '' : JSON.stringify(job.errorDetail),
    'warnings', JSON.stringify(job.warnings),
    'hasResult', job.hasResult ? '1' : '0',
    'cancelRequested', job.cancelRequested ? '1' : '0',
  ]; // prettier-ignore
}

function orNull(s: string | undefined): string | null {
  return s === undefined || s === '' ? null : s;
}

export function decodeJob(h: Record<string, string>): JobRecord | undefined {
  if (h['id'] === undefined || h['status'] === undefined) return undefined;
  const pid = orNull(h['pid']);
  const detail = orNull(h['errorDetail']);
  return {
    id: h['id'],
    tenant: h['tenant'] ?? '',
    status: h['status'] as JobStatus,
    program: h['program'] ?? '',
    durationSeconds: Number(h['durationSeconds'] ?? 0),
    pid: pid === null ? null : Number(pid),
    node: h['node'] ?? '',
    format: h['format'] === 'text' ? 'text' : 'json',
    params: JSON.parse(h['params'] ?? '[]') as string[],
    createdAt: h['createdAt'] ?? '',
    startedAt: orNull(h['startedAt']),
    finishedAt: orNull(h['finishedAt']),
    error: orNull(h['error']),
    errorDetail: detail === null ? null : (JSON.parse(detail) as JobErrorDetail),
    warnings: JSON.parse(h['warnings'] || '[]') as string[],
    hasResult: h['hasResult'] === '1',
    cancelRequested: h['cancelRequested'] === '1',
  };
}

// KEYS: idempotency key (or a dummy), job, tenant index, sequence, stats, tenant's active set.
// ARGV: useIdem, id, ttl, fields...
const CREATE = `
if ARGV[1] == '1' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {0, existing} end
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('ZADD', KEYS[3], seq, ARGV[2])
redis.call('HINCRBY', KEYS[5], 'queued', 1)
redis.call('SADD', KEYS[6], ARGV[2])
return {1, ARGV[2]}
`;

// KEYS: job, running set, stats, the tenant's active set. ARGV: allowed-from statuses (comma list), new status, field pairs...
// Returns the status before the call; the change happened iff it was in the allowed list.
const TRANSITION = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return false end
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 3))
    redis.call('HINCRBY', KEYS[3], current, -1)
    redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
    if ARGV[2] == 'running' then
      redis.call('SADD', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
    elseif ARGV[2] ~= 'queued' then
      redis.call('SREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
      redis.call('SREM', KEYS[4], redis.call('HGET', KEYS[1], 'id'))
    end
    return current
  end
end
return current
`;

export interface TransitionResult {
  /** The status before; undefined when the job does not exist. */
  before: JobStatus | undefined;
  changed: boolean;
}

export interface JobStoreOptions {
  /**
   * The connection get() and getFor() read through. Default `redis`. The API passes one with
   * ioredis auto-pipelining (api/create-api.ts), so concurrent GETs share writes to Redis.
   */
  reads?: Redis;
}

export class JobStore {
  private readonly reads: Redis;

  constructor(
    readonly redis: Redis,
    readonly keys: Keys,
    options: JobStoreOptions = {},
  ) {
    this.reads = options.reads ?? redis;
  }

  /**
   * Stores a new job, or with an idempotency key already used by this tenant, returns the job
   * that key created (`created: false`).
   */
  async create(
    job: JobRecord,
    idempotencyKey?: string,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const k = this.keys;
    const idemKey =
      idempotencyKey === undefined ? k.sequence : k.idempotency(job.tenant, idempotencyKey);
    const reply = (await this.redis.eval(
      CREATE,
      6,
      idemKey,
      k.job(job.id),
      k.tenantJobs(job.tenant),
      k.sequence,
      statsKey(k, 'jobs'),
      k.tenantActive(job.tenant),
      idempotencyKey === undefined ? '0' : '1',
      job.id,
      String(IDEMPOTENCY_TTL_SECONDS),
      ...encode(job),
    )) as [number, string];
    if (reply[0] === 1) return { job, created: true };
    const existing = await this.get(reply[1]);
    if (existing === undefined) {
      // The earlier job expired with its result while the key lived on: make a new one.
      await this.redis.del(idemKey);
      return this.create(job, idempotencyKey);
    }
    return { job: existing, created: false };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return decodeJob(await this.reads.hgetall(this.keys.job(id)));
  }

  /** A job as its tenant sees it: another tenant's job does not exist. */
  async getFor(tenant: string, id: string): Promise<JobRecord | undefined> {
    const job = await this.get(id);
    return job?.tenant === tenant ? job : undefined;
  }

  /**
   * A tenant's jobs, newest first. `cursor` is the sequence number to continue below (from the
   * previous page's `nextCursor`).
   */
  async list(
    tenant: string,
    options: { status?: JobStatus; limit: number; cursor?: number },
  ): Promise<{ jobs: JobRecord[]; nextCursor: number | null }> {
    const index = this.keys.tenantJobs(tenant);
    const jobs: JobRecord[] = [];
    let max = options.cursor === undefined ? '+inf' : `(${options.cursor}`;
    const batch = Math.max(options.limit * 2, 50);
    for (;;) {
      const page = await this.redis.zrevrangebyscore(
        index,
        max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        batch,
      );
      if (page.length === 0) return { jobs, nextCursor: null };
      const pipeline = this.redis.pipeline();
      for (let i = 0; i < page.length; i += 2) pipeline.hgetall(this.keys.job(page[i]!));
      const hashes = (await pipeline.exec()) ?? [];
      const stale: string[] = [];
      for (let i = 0; i < page.length; i += 2) {
        const id = page[i]!;
        const seq = Number(page[i + 1]);
        const job = decodeJob((hashes[i / 2]?.[1] ?? {}) as Record<string, string>);
        max = `(${seq}`;
        if (job === undefined) {
          stale.push(id); // expired with its TTL
          continue;
        }
        if (options.status !== undefined && job.status !== options.status) continue;
        jobs.push(job);
        if (jobs.length === options.limit) {
          if (stale.length > 0) await this.redis.zrem(index, ...stale);
          return { jobs, nextCursor: seq };
        }
      }
      if (stale.length > 0) await this.redis.zrem(index, ...stale);
      if (page.length < batch * 2) return { jobs, nextCursor: null };
    }
  }

  /** Moves a job to `to` if its status is one of `from`, setting the given fields too. */
  async transition(
    id: string,
    from: JobStatus[],
    to: JobStatus,
    fields: Partial<Record<keyof JobRecord, string>> = {},
  ): Promise<TransitionResult> {
    const pairs = Object.entries(fields).flatMap(([k, v]) => [k, v ?? '']);
    const tenant = (await this.redis.hget(this.keys.job(id), 'tenant')) ?? '';
    const before = (await this.redis.eval(
      TRANSITION,
      4,
      this.keys.job(id),
      this.keys.running,
      statsKey(this.keys, 'jobs'),
      this.keys.tenantActive(tenant),
      from.join(','),
      to,
      ...pairs,
    )) as JobStatus | null;
    if (before === null) return { before: undefined, changed: false };
    return { before, changed: from.includes(before) };
  }

  /** Sets fields without touching the status (error details, hasResult). */
  async update(id: string, fields: Partial<Record<keyof JobRecord, string>>): Promise<void> {
    const pairs = Object.entries(fields).flatMap(([k, v]) => [k, v ?? '']);
    if (pairs.length > 0) await this.redis.hset(this.keys.job(id), ...pairs);
  }

  /** A finished job's record and events expire with its result. */
  async expireFinished(id: string, ttlSeconds: number): Promise<void> {
    await this.redis
      .multi()
      .expire(this.keys.job(id), ttlSeconds)
      .expire(this.keys.events(id), ttlSeconds)
      .exec();
  }

  /** Queued and running jobs of a tenant (for quotas). */
  async activeCount(tenant: string): Promise<number> {
    return this.redis.scard(this.keys.tenantActive(tenant));
  }

  async runningIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.running);
  }
}

export function errorFields(
  message: string,
  detail: JobErrorDetail,
): Partial<Record<keyof JobRecord, string>> {
  return { error: message, errorDetail: JSON.stringify(detail) };
}
