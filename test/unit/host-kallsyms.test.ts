// Kernel symbol tables: /proc/kallsyms and available_filter_functions parsing, the kernel
// symbolizer's choices, and the replay of libstdc++'s std::sort that decides which of
// several same-address symbols bpftrace 0.17 prints (expected order from real std::sort:
// test/fixtures/host/stl-sort-ties.cpp run on stl-sort-input.txt, see build.sh).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  Kallsyms,
  addressesHidden,
  lookupIndex,
  parseFilterFunctions,
  parseKallsyms,
} from '../../host/kallsyms.js';
import { KernelSymbols } from '../../worker/symbols/kernel-symbols.js';
import { stlSort } from '../../worker/symbols/stl-sort.js';
import { hostFixture } from './host-fixtures.js';

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000100 t helper',
  'ffffffff81000200 D some_data',
  'ffffffff81000300 T last_func',
  'ffffffffc0001000 t xfs_fn\t[xfs]',
  'ffffffffc0002000 t bpf_prog_0123456789abcdef_p\t[bpf]',
  '',
].join('\n');

describe('kallsyms', () => {
  it('parses addresses, names and modules, sorted', () => {
    const t = parseKallsyms(KALLSYMS);
    assert.equal(t.names.length, 7);
    assert.equal(t.names[lookupIndex(t, 0xffffffff81000150n)], 'helper');
    assert.equal(t.modules[lookupIndex(t, 0xffffffffc0001004n)], 'xfs');
    assert.equal(lookupIndex(t, 0x1000n), -1);
    assert.ok(!addressesHidden(t));
  });

  it('treats an all-zero table as hidden (kptr_restrict)', () => {
    const zero = '0000000000000000 T _text\n0000000000000000 T foo\n';
    assert.ok(addressesHidden(parseKallsyms(zero)));
    assert.equal(new KernelSymbols(zero).resolve(0x10n), undefined);
    assert.equal(new KernelSymbols(zero).hidden, true);
    assert.equal(new KernelSymbols('').hidden, true, 'an unreadable kallsyms names nothing either');
    assert.equal(new KernelSymbols(KALLSYMS).hidden, false);
  });

  it('answers kaddr from a kallsyms file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-kallsyms-'));
    try {
      const path = join(dir, 'kallsyms');
      writeFileSync(path, `${KALLSYMS}ffffffffc0003000 t helper\t[other]\n`);
      const ks = new Kallsyms(path);
      // The kernel image's definition wins over a module's static function of that name.
      assert.equal(ks.address('helper'), 0xffffffff81000100n);
      assert.equal(ks.address('xfs_fn'), 0xffffffffc0001000n);
      assert.equal(ks.address('some_data'), 0xffffffff81000200n);
      assert.equal(ks.address('nothing'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses available_filter_functions', () => {
    assert.deepEqual(parseFilterFunctions('vfs_read\nxfs_fn [xfs]\nvfs_read\n'), [
      'vfs_read',
      'xfs_fn',
    ]);
  });
});

describe('kernel symbolizer', () => {
  const syms = new KernelSymbols(KALLSYMS);

  it('names an address by the last text symbol below it, with the offset', () => {
    assert.deepEqual(syms.resolve(0xffffffff81000104n), { name: 'helper', offset: 4n });
    // Data symbols do not count: bpftrace (bcc) reads only t/T/w/W.
    assert.deepEqual(syms.resolve(0xffffffff81000210n), { name: 'helper', offset: 0x110n });
    assert.deepEqual(syms.resolve(0xffffffffc0001010n), { name: 'xfs_fn', offset: 0x10n });
  });

  it('names BPF programs listed when the table was read', () => {
    assert.deepEqual(syms.resolve(0xffffffffc0002008n), {
      name: 'bpf_prog_0123456789abcdef_p',
      offset: 8n,
    });
  });

  it('knows nothing below the first symbol', () => {
    assert.equal(syms.resolve(0x10n), undefined);
  });
});

describe('std::sort replay', () => {
  it('leaves equal keys in the order libstdc++ std::sort does', () => {
    const parse = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => {
          const [key, name] = l.split(' ');
          return { key: Number(key), name: name ?? '' };
        });
    const input = parse(readFileSync(hostFixture('stl-sort-input.txt'), 'utf8'));
    const expected = parse(readFileSync(hostFixture('stl-sort-expected.txt'), 'utf8'));
    assert.ok(input.length > 1000);
    stlSort(input, (a, b) => a.key < b.key);
    assert.deepEqual(
      input.map((r) => r.name),
      expected.map((r) => r.name),
    );
  });

  it('sorts any array (including inputs deep enough for the heapsort fallback)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 300 }), (xs) => {
        const v = [...xs];
        stlSort(v, (a, b) => a < b);
        assert.deepEqual(
          v,
          [...xs].sort((a, b) => a - b),
        );
      }),
    );
    // A long run of equal keys makes every partition maximally unbalanced.
    const same = Array.from({ length: 5000 }, (_, i) => ({ k: i % 2, i }));
    stlSort(same, (a, b) => a.k < b.k);
    for (let i = 1; i < same.length; i++) assert.ok((same[i - 1]?.k ?? 0) <= (same[i]?.k ?? 0));
  });
});
