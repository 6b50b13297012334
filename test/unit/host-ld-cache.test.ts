// ld.so.cache parsing against a cache ldconfig wrote and what `ldconfig -p` printed for it
// (test/fixtures/host/ld.so.cache and ldconfig-p.txt, see build.sh).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LdCache, LdCacheError, parseLdCache, sonameMatches } from '../../host/ld-cache.js';
import { hostFixture } from './host-fixtures.js';

describe('ld.so.cache', () => {
  it('lists the entries ldconfig -p shows, in the same order', () => {
    const entries = parseLdCache(readFileSync(hostFixture('ld.so.cache')));
    const printed = readFileSync(hostFixture('ldconfig-p.txt'), 'utf8')
      .split('\n')
      .map((l) => /^\t(\S+) \(libc6,x86-64\) => (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]);
    assert.equal(printed.length, 2);
    assert.deepEqual(
      entries.map((e) => [e.name, e.path]),
      printed,
    );
  });

  it('resolves a library by bare name or soname, as the dynamic linker would', () => {
    const cache = new LdCache(hostFixture('ld.so.cache'));
    assert.equal(cache.lookup('libsymbols-demo.so.1'), '/opt/demo/lib/libsymbols-demo.so.1');
    assert.equal(cache.lookup('libsymbols-demo'), '/opt/demo/lib/libsymbols-demo.so.1');
    assert.equal(cache.lookup('libnothere'), undefined);
  });

  it('matches names the way bpftrace writes them', () => {
    assert.ok(sonameMatches('libc', 'libc.so.6'));
    assert.ok(sonameMatches('libc.so.6', 'libc.so.6'));
    assert.ok(!sonameMatches('libc', 'libcap.so.2'));
    assert.ok(!sonameMatches('libc.so', 'libc.so.6'));
  });

  it('rejects other files', () => {
    assert.throws(() => parseLdCache(Buffer.from('not a cache at all, really not')), LdCacheError);
  });
});
