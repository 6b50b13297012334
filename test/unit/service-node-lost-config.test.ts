// BPFQ_NODE_LOST_AFTER: how long a node may go without a worker heartbeat before the reaper
// fails its queued jobs (service/reaper.ts). Seconds, at least 1, default 5 minutes.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configFromEnv, nodeLostAfterSeconds } from '../../service/config.js';

describe('BPFQ_NODE_LOST_AFTER', () => {
  const saved = process.env['BPFQ_NODE_LOST_AFTER'];
  afterEach(() => {
    if (saved === undefined) delete process.env['BPFQ_NODE_LOST_AFTER'];
    else process.env['BPFQ_NODE_LOST_AFTER'] = saved;
  });

  it('defaults to 300 seconds', () => {
    delete process.env['BPFQ_NODE_LOST_AFTER'];
    assert.equal(nodeLostAfterSeconds(), 300);
    assert.equal(configFromEnv().nodeLostAfterSeconds, 300);
  });

  it('reads whole seconds', () => {
    process.env['BPFQ_NODE_LOST_AFTER'] = '90';
    assert.equal(configFromEnv().nodeLostAfterSeconds, 90);
  });

  it('refuses what is not a whole number of seconds of at least 1', () => {
    for (const bad of ['0', '-5', '1.5', 'soon']) {
      process.env['BPFQ_NODE_LOST_AFTER'] = bad;
      assert.throws(() => configFromEnv(), /BPFQ_NODE_LOST_AFTER must be an integer >= 1/);
    }
  });
});
