// Records outside maps and events: the attach banner, lost events, and a stored result's
// JSON round trip (the job service stores the tree in Redis and renders it later).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  outputResult,
  renderJson,
  renderRecord,
  renderText,
  type OutputRecord,
} from '../../worker/output/index.js';
import { fixture } from './output-kernel-layout.js';

describe('output: lifecycle records', () => {
  it('announces several probes and prints END output before the exit newlines (lifecycle-two-probes.bt)', () => {
    const records: OutputRecord[] = [
      { type: 'attached_probes', probes: 2 },
      { type: 'printf', text: 'begin\n' },
      { type: 'printf', text: 'end\n' },
      { type: 'end' },
    ];
    const stored = JSON.parse(JSON.stringify(outputResult(records))) as ReturnType<
      typeof outputResult
    >;
    assert.equal(renderText(stored), fixture('lifecycle-two-probes', 'txt'));
    assert.equal(renderJson(stored), fixture('lifecycle-two-probes', 'json'));
  });

  it('writes lost events as 0.17 does (BPFTRACE-REFERENCE.md 2.11 and 3.2, observed)', () => {
    const lost: OutputRecord = { type: 'lost_events', events: 956 };
    assert.equal(renderRecord('text', lost), 'Lost 956 events\n');
    assert.equal(renderRecord('json', lost), '{"type": "lost_events", "data": {"events": 956}}\n');
    assert.equal(
      renderRecord('text', { type: 'attached_probes', probes: 1 }),
      'Attaching 1 probe...\n',
    );
  });

  it('keeps 64-bit values exact through the stored JSON form', () => {
    const records: OutputRecord[] = [
      {
        type: 'map',
        map: {
          name: '@big',
          kind: 'sum',
          keyed: true,
          entries: [
            { key: [{ t: 'int', v: '-1' }], value: { t: 'int', v: '18446744073709551615' } },
          ],
        },
      },
    ];
    const stored = JSON.parse(JSON.stringify(outputResult(records))) as ReturnType<
      typeof outputResult
    >;
    assert.equal(renderText(stored), '@big[-1]: 18446744073709551615\n');
    assert.equal(
      renderJson(stored),
      '{"type": "map", "data": {"@big": {"-1": 18446744073709551615}}}\n',
    );
  });
});
