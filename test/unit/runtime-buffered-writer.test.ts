// bpfq run's output writer: gathers writes, keeps their order, flushes per event-loop turn or
// on demand, and reports the first write error once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferedWriter } from '../../cli/buffered-writer.js';

describe('BufferedWriter', () => {
  it('writes everything in order, on flush and on the next turn of the event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-bw-'));
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    try {
      const w = new BufferedWriter(fd, (e) => assert.fail(e.message));
      w.write('a\n');
      w.write('b\n');
      assert.equal(readFileSync(file, 'utf8'), '', 'nothing written before a flush');
      await new Promise((r) => setImmediate(r));
      assert.equal(readFileSync(file, 'utf8'), 'a\nb\n');
      const big = 'x'.repeat(70_000);
      w.write(big); // past the threshold: written at once
      assert.equal(readFileSync(file, 'utf8').length, 4 + big.length);
      w.write('ünïcode\n');
      w.flush();
      assert.ok(readFileSync(file, 'utf8').endsWith(`${big}ünïcode\n`));
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the first write error once and drops later writes', () => {
    const errors: string[] = [];
    const w = new BufferedWriter(987_654, (e) => errors.push(e.code ?? '?'));
    w.write('lost\n');
    w.flush();
    w.write('also lost\n');
    w.flush();
    assert.deepEqual(errors, ['EBADF']);
  });
});
