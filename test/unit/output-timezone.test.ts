// %Z and %z as glibc prints them for a few zones (expected values from GNU date on Debian 12:
// `TZ=ZONE date -d @1764079508 '+%H %z %Z'`). Node re-reads TZ when it is assigned.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strftime } from '../../worker/output/strftime.js';

const AT = 1764079508n * 1_000_000_000n;

describe('output: time zones in strftime', () => {
  for (const [zone, want] of [
    ['Europe/Berlin', '15 +0100 CET'],
    ['Asia/Tokyo', '23 +0900 JST'],
    ['Asia/Kathmandu', '19 +0545 +0545'],
    ['America/Sao_Paulo', '11 -0300 -03'],
  ] as const) {
    it(`writes ${zone} as glibc does`, () => {
      process.env['TZ'] = zone;
      assert.equal(strftime('%H %z %Z', AT), want);
    });
  }
});
