// Every Redis key and channel of the job service, in one place, so the API and the worker
// cannot drift apart. BullMQ uses the same prefix for its own keys (`PREFIX:QUEUE:...`).

export interface Keys {
  prefix: string;
  /** Hash: one job record (see job.ts). */
  job(id: string): string;
  /** String: the stored result document (JSON), with the result TTL. */
  result(id: string): string;
  /** Stream: the job's events (status, printf, lost, result) for Server-Sent Events. */
  events(id: string): string;
  /** Sorted set: a tenant's job ids scored by a global sequence number (newest = highest). */
  tenantJobs(tenant: string): string;
  /** Set: a tenant's queued and running job ids (quotas). */
  tenantActive(tenant: string): string;
  /** String: Idempotency-Key -> job id, per tenant. */
  idempotency(tenant: string, key: string): string;
  /** Counter behind tenantJobs' scores. */
  sequence: string;
  /** Set: ids of running jobs, which the reaper checks for lost workers. */
  running: string;
  /** String with a TTL: present while a live worker runs the job. */
  lease(id: string): string;
  /** Hash: token hash -> token record JSON. */
  tokens: string;
  /** Sorted set: `node/workerId` scored by last heartbeat (ms). */
  workers: string;
  /** String: a worker's heartbeat document (JSON). */
  worker(node: string, workerId: string): string;
  /** Pub/sub channel: job ids whose running trace must stop. */
  cancelChannel: string;
  /** Pub/sub channel: probe-list requests for a node's workers. */
  probesChannel(node: string): string;
  /** Pub/sub channel: the reply to one probe-list request. */
  replyChannel(requestId: string): string;
}

export function keys(prefix: string): Keys {
  return {
    prefix,
    job: (id) => `${prefix}:job:${id}`,
    result: (id) => `${prefix}:result:${id}`,
    events: (id) => `${prefix}:events:${id}`,
    tenantJobs: (tenant) => `${prefix}:tenant:${tenant}:jobs`,
    tenantActive: (tenant) => `${prefix}:tenant:${tenant}:active`,
    idempotency: (tenant, key) => `${prefix}:idem:${tenant}:${key}`,
    sequence: `${prefix}:seq`,
    running: `${prefix}:running`,
    lease: (id) => `${prefix}:lease:${id}`,
    tokens: `${prefix}:tokens`,
    workers: `${prefix}:workers`,
    worker: (node, workerId) => `${prefix}:worker:${node}:${workerId}`,
    cancelChannel: `${prefix}:cancel`,
    probesChannel: (node) => `${prefix}:probes:${node}`,
    replyChannel: (requestId) => `${prefix}:reply:${requestId}`,
  };
}

/** The BullMQ queue of one node. Queue names may not contain ':'. */
export function queueName(node: string): string {
  return `trace-${node}`;
}
