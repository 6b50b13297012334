// Literal arguments converted at compile time: pton() addresses and signal names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress, signalNumber } from '../../../compiler/codegen/constants.js';

describe('compile-time constants', () => {
  it('parses IPv4 and IPv6 addresses in network byte order', () => {
    assert.deepEqual([...parseAddress('1.2.3.4')!], [1, 2, 3, 4]);
    assert.deepEqual([...parseAddress('::1')!], [...new Array<number>(15).fill(0), 1]);
    assert.deepEqual(
      [...parseAddress('2001:db8::ff00:42:8329')!],
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29],
    );
    assert.deepEqual([...parseAddress('::ffff:1.2.3.4')!].slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  });
  it('rejects malformed addresses', () => {
    for (const bad of ['1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'x::1', '']) {
      assert.equal(parseAddress(bad), undefined, bad);
    }
  });
  it('maps signal names with or without SIG to x86-64 numbers', () => {
    assert.equal(signalNumber('SIGKILL'), 9);
    assert.equal(signalNumber('USR1'), 10);
    // 0.17 takes names in any case.
    assert.equal(signalNumber('kill'), 9);
    assert.equal(signalNumber('SiGtErM'), 15);
    assert.equal(signalNumber('SIG'), undefined);
    assert.equal(signalNumber('SIGTERM'), 15);
    assert.equal(signalNumber('SIGNOPE'), undefined);
  });
});
