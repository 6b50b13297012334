// Queued jobs of a node that never comes back (service/reaper.ts, BPFQ_NODE_LOST_AFTER), over
// a real Redis with the scripted runner (no BPF) and a grace period of one second: once no
// worker of the node has sent a heartbeat for that long, its queued jobs fail with the reason,
// leave the node's BullMQ queue, get a status event and the result TTL; a live node's queued
// jobs are left alone; and a worker of that node started later never runs them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { needs } from '../support/needs.js';
import { readEvents } from '../../service/job-events.js';
import { reapLostNodes, startReaper } from '../../service/reaper.js';
import type { TraceRequest } from '../../worker/service/job-runner.js';
import { eventually, startHarness, type Harness } from './harness.js';
import { scriptedRunner } from './scripted-runner.js';

interface ApiJob {
  id: string;
  status: string;
  error: string | null;
  errorDetail: { kind: string } | null;
  finishedAt: string | null;
}

const GRACE_MS = 1000;
const RESULT_TTL_SECONDS = 120;

describe('queued jobs of a lost node', needs('redis-server'), () => {
  let h: Harness;
  let token: string;

  before(async () => {
    h = await startHarness();
    token = await h.token('nodes-tenant');
  });
  after(async () => {
    await h?.close();
  });

  const auth = (r: request.Test): request.Test => r.set('Authorization', `Bearer ${token}`);
  async function submit(body: object): Promise<ApiJob> {
    const res = await auth(request(h.app).post('/v1/jobs')).send(body);
    h.openapi.check('POST', '/v1/jobs', res);
    assert.equal(res.status, 202, res.text);
    return res.body as ApiJob;
  }
  async function job(id: string): Promise<ApiJob> {
    const res = await auth(request(h.app).get(`/v1/jobs/${id}`));
    h.openapi.check('GET', '/v1/jobs/{id}', res);
    return res.body as ApiJob;
  }
  const status = (id: string, wanted: string): Promise<ApiJob> =>
    eventually(`job ${id} to be ${wanted}`, async () => {
      const j = await job(id);
      return j.status === wanted ? j : undefined;
    });
  /** A worker of `node` running one job at a time, so further jobs stay queued behind it. */
  async function busyNode(node: string, runs: TraceRequest[]): Promise<ApiJob> {
    await h.worker({
      node,
      runner: scriptedRunner({ lines: [], everyMs: 100, runs }),
      concurrency: 1,
      heartbeatMs: 200,
      stallMs: 2500,
    });
    const busy = await submit({ program: 'BEGIN { }', durationSeconds: 60, node });
    await status(busy.id, 'running');
    return busy;
  }

  it('fails them after the grace period, takes them off the queue, and never runs them', async () => {
    const { redis, keys, queues } = h.api.ctx;
    const ghostRuns: TraceRequest[] = [];
    await busyNode('ghost', ghostRuns);
    const ghostWorker = h.workers[h.workers.length - 1]!;
    const lost = [
      await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'ghost' }),
      await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'ghost' }),
    ];
    await busyNode('alive', []);
    const waiting = await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'alive' });

    // Both nodes are live: even a grace period of 1 ms fails nothing.
    const options = { redis, keys, resultTtlSeconds: RESULT_TTL_SECONDS };
    assert.deepEqual(await reapLostNodes({ ...options, nodeLostAfterMs: 1 }), []);

    // ghost's only worker leaves; its queued jobs stay queued for now.
    await ghostWorker.close();
    const leftAt = Date.now();
    for (const j of lost) assert.equal((await job(j.id)).status, 'queued');

    const reaper = startReaper({ ...options, intervalMs: 100, nodeLostAfterMs: GRACE_MS });
    try {
      for (const j of lost) {
        const failed = await status(j.id, 'failed');
        const m = /^node ghost lost: no worker heartbeat since (\S+)$/.exec(failed.error ?? '');
        assert.ok(m, failed.error ?? 'no error');
        const since = Date.parse(m[1]!);
        assert.ok(since <= leftAt, 'the last heartbeat was before the worker left');
        // Not before the grace period had passed since that heartbeat.
        assert.ok(Date.parse(failed.finishedAt!) - since >= GRACE_MS);
        assert.equal(failed.errorDetail?.kind, 'worker-lost');

        const events = await readEvents(redis, keys, j.id, '0');
        const last = events[events.length - 1];
        assert.equal(last?.event, 'status');
        assert.deepEqual(last?.data, {
          status: 'failed',
          at: failed.finishedAt,
          error: failed.error,
        });
        const ttl = await redis.ttl(keys.job(j.id));
        assert.ok(ttl > 0 && ttl <= RESULT_TTL_SECONDS, `record TTL ${ttl}`);
        assert.equal(await queues.get('ghost').getJob(j.id), undefined);
      }
      const counts = await queues.get('ghost').getJobCounts('waiting', 'delayed', 'prioritized');
      assert.deepEqual(counts, { waiting: 0, delayed: 0, prioritized: 0 });

      // The live node's queued job is untouched.
      assert.equal((await job(waiting.id)).status, 'queued');
      assert.equal(await queues.get('alive').getJobState(waiting.id), 'waiting');

      // ghost comes back: it runs a new job, and never the lost ones.
      ghostRuns.length = 0;
      await h.worker({
        node: 'ghost',
        runner: scriptedRunner({ lines: [], runs: ghostRuns }),
        heartbeatMs: 200,
        stallMs: 2500,
      });
      const fresh = await submit({ program: 'BEGIN { }', durationSeconds: 1, node: 'ghost' });
      await status(fresh.id, 'completed');
      assert.deepEqual(
        ghostRuns.map((r) => r.jobId),
        [fresh.id],
      );
      for (const j of lost) assert.equal((await job(j.id)).status, 'failed');
    } finally {
      reaper.stop();
    }
  });
});
