// USDT notes of usdt-demo (built with <sys/sdt.h>, see build.sh) against `readelf -n`
// captured right after the build, and the argument spec grammar.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ElfFile, bufferSource } from '../../host/elf.js';
import {
  UsdtArgError,
  fullRegister,
  parseUsdtArgument,
  usdtProbesOf,
} from '../../host/usdt-notes.js';
import { hostFixture, parseReadelfNotes } from './host-fixtures.js';

describe('USDT argument specs', () => {
  it('parses registers of every width into the 64-bit register', () => {
    assert.deepEqual(parseUsdtArgument('-4@%esi'), {
      size: -4,
      spec: '-4@%esi',
      location: { kind: 'reg', reg: 'rsi' },
    });
    assert.deepEqual(parseUsdtArgument('8@%rdx').location, { kind: 'reg', reg: 'rdx' });
    assert.deepEqual(parseUsdtArgument('-4@%ebp').location, { kind: 'reg', reg: 'rbp' });
    assert.deepEqual(parseUsdtArgument('1@%dil').location, { kind: 'reg', reg: 'rdi' });
    assert.deepEqual(parseUsdtArgument('2@%r9w').location, { kind: 'reg', reg: 'r9' });
    assert.deepEqual(parseUsdtArgument('4@%r12d').location, { kind: 'reg', reg: 'r12' });
    assert.deepEqual(parseUsdtArgument('1@%al').location, { kind: 'reg', reg: 'rax' });
    for (const [sub, full] of [
      ['ax', 'rax'],
      ['bx', 'rbx'],
      ['cx', 'rcx'],
      ['dx', 'rdx'],
      ['sp', 'rsp'],
      ['r15b', 'r15'],
    ]) {
      assert.equal(fullRegister(`%${sub}`), full);
    }
  });

  it('parses memory operands with offset, base, index and scale', () => {
    assert.deepEqual(parseUsdtArgument('-4@-20(%rbp)').location, {
      kind: 'mem',
      base: 'rbp',
      offset: -20n,
    });
    assert.deepEqual(parseUsdtArgument('8@(%rax,%rdx,8)').location, {
      kind: 'mem',
      base: 'rax',
      offset: 0n,
      index: 'rdx',
      scale: 8,
    });
    assert.deepEqual(parseUsdtArgument('8@16(%rsp,%rcx)').location, {
      kind: 'mem',
      base: 'rsp',
      offset: 16n,
      index: 'rcx',
      scale: 1,
    });
    assert.deepEqual(parseUsdtArgument('4@0x10(%r8)').location, {
      kind: 'mem',
      base: 'r8',
      offset: 16n,
    });
  });

  it('parses constants', () => {
    assert.deepEqual(parseUsdtArgument('4@$5'), {
      size: 4,
      spec: '4@$5',
      location: { kind: 'const', value: 5n },
    });
    assert.deepEqual(parseUsdtArgument('-8@$-1').location, { kind: 'const', value: -1n });
  });

  it('rejects what it cannot express', () => {
    assert.throws(() => parseUsdtArgument('8@counter(%rip)'), UsdtArgError);
    assert.throws(() => parseUsdtArgument('3@%rax'), UsdtArgError);
    assert.throws(() => parseUsdtArgument('8@%xmm0'), UsdtArgError);
  });
});

describe('USDT notes', () => {
  const expected = parseReadelfNotes(readFileSync(hostFixture('readelf-n-usdt-demo.txt'), 'utf8'));
  const path = hostFixture('usdt-demo');
  const elf = ElfFile.open(path);
  const probes = usdtProbesOf(elf, path);

  it('finds every probe readelf shows, with its arguments', () => {
    assert.equal(expected.length, 5);
    assert.deepEqual(
      probes.map((p) => [p.provider, p.name, p.args.map((a) => a.spec).join(' ')]),
      expected.map((e) => [e.provider, e.name, e.args]),
    );
    assert.ok(probes.every((p) => p.argError === undefined));
  });

  it('turns probe locations into file offsets', () => {
    for (const [i, p] of probes.entries()) {
      const e = expected[i];
      assert.ok(e);
      assert.equal(p.fileOffset, elf.vaddrToOffset(e.location));
      assert.equal(elf.offsetToVaddr(p.fileOffset), e.location);
    }
  });

  it('gives the semaphore a file offset inside .probes', () => {
    const probesSec = elf.section('.probes');
    assert.ok(probesSec);
    const withSem = probes.find((p) => p.name === 'with_semaphore');
    const e = expected.find((x) => x.name === 'with_semaphore');
    assert.ok(withSem && e);
    assert.notEqual(e.semaphore, 0n);
    assert.equal(withSem.semaphoreOffset, e.semaphore - probesSec.addr + BigInt(probesSec.offset));
    assert.ok(
      probes.filter((p) => p.name !== 'with_semaphore').every((p) => p.semaphoreOffset === 0n),
    );
  });

  it('decodes the argument forms gcc chose', () => {
    const byName = new Map(probes.map((p) => [p.name, p]));
    assert.deepEqual(
      byName.get('args_mem')?.args.map((a) => a.location),
      [
        { kind: 'mem', base: 'rbp', offset: -24n },
        { kind: 'mem', base: 'rax', offset: 0n, index: 'rsi', scale: 8 },
      ],
    );
    assert.deepEqual(
      byName.get('args_const')?.args.map((a) => [a.size, a.location]),
      [[-4, { kind: 'const', value: 5n }]],
    );
    assert.deepEqual(
      byName.get('args_regs')?.args.map((a) => a.location),
      [
        { kind: 'reg', reg: 'rax' },
        { kind: 'reg', reg: 'rsi' },
        { kind: 'reg', reg: 'rdx' },
      ],
    );
    assert.deepEqual(byName.get('no_args')?.args, []);
  });

  it('moves pc and semaphore when .stapsdt.base moved (prelink)', () => {
    const bytes = Buffer.from(readFileSync(path));
    const shoff = Number(bytes.readBigUInt64LE(40));
    const index = elf.sections.findIndex((sec) => sec.name === '.stapsdt.base');
    assert.ok(index > 0);
    // Pretend prelink relocated the file by -0x10: the section moved, the notes did not.
    const addrAt = shoff + index * 64 + 16;
    bytes.writeBigUInt64LE(bytes.readBigUInt64LE(addrAt) - 0x10n, addrAt);
    const moved = new ElfFile(bufferSource(bytes));
    const shifted = usdtProbesOf(moved, path);
    for (const [i, p] of shifted.entries()) {
      const e = expected[i];
      assert.ok(e);
      assert.equal(moved.offsetToVaddr(p.fileOffset), e.location - 0x10n, p.name);
      if (e.semaphore !== 0n)
        assert.equal(p.semaphoreOffset, (probes[i]?.semaphoreOffset ?? 0n) - 0x10n);
    }
  });
});
