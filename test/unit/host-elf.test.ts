// The ELF reader on binaries gcc built (test/fixtures/host/build.sh): symbol tables,
// vaddr -> file offset for PIE, non-PIE and shared objects, build ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ElfError, ElfFile, ET_DYN, ET_EXEC, bufferSource, parseNotes } from '../../host/elf.js';
import { hostFixture } from './host-fixtures.js';

const open = (name: string) => ElfFile.open(hostFixture(name));

describe('ELF reader', () => {
  it('lists the functions and objects of a shared object, local ones included', () => {
    const elf = open('libsymbols-demo.so');
    assert.equal(elf.type, ET_DYN);
    const syms = new Map(elf.symbols().map((s) => [s.name, s]));
    assert.equal(syms.get('demo_add')?.kind, 'func');
    assert.equal(syms.get('demo_hidden')?.kind, 'func');
    assert.equal(syms.get('demo_counter')?.kind, 'object');
    assert.equal(syms.get('demo_counter')?.size, 4n);
    assert.equal(syms.get('demo_message')?.size, 6n);
    // Undefined imports (__cxa_finalize) are not symbols of this file.
    assert.equal(syms.get('__cxa_finalize'), undefined);
  });

  it('sorts symbols by address and lists a name found in both tables once', () => {
    const syms = open('libsymbols-demo.so').symbols();
    for (let i = 1; i < syms.length; i++)
      assert.ok((syms[i - 1]?.address ?? 0n) <= (syms[i]?.address ?? 0n));
    assert.equal(syms.filter((s) => s.name === 'demo_add').length, 1);
  });

  it('maps virtual addresses to file offsets through PT_LOAD', () => {
    for (const name of ['usdt-demo', 'usdt-demo-nopie', 'libsymbols-demo.so']) {
      const elf = open(name);
      for (const s of elf.symbols().filter((x) => x.kind === 'func')) {
        const text = elf.sections.find(
          (sec) => s.address >= sec.addr && s.address < sec.addr + BigInt(sec.size),
        );
        assert.ok(text, `${name}:${s.name} lies in a section`);
        // Section headers give the same answer as the program headers for loaded code.
        assert.equal(
          s.fileOffset,
          s.address - text.addr + BigInt(text.offset),
          `${name}:${s.name}`,
        );
        assert.equal(elf.offsetToVaddr(s.fileOffset), s.address);
      }
    }
  });

  it('non-PIE executables have absolute addresses above their file offsets', () => {
    const elf = open('usdt-demo-nopie');
    assert.equal(elf.type, ET_EXEC);
    const main = elf.symbols().find((s) => s.name === 'main');
    assert.ok(main);
    assert.equal(main.address - main.fileOffset, 0x400000n);
  });

  it('reads the GNU build id readelf shows', () => {
    const readelf = readFileSync(hostFixture('readelf-n-usdt-demo.txt'), 'utf8');
    const id = /Build ID: ([0-9a-f]+)/.exec(readelf)?.[1];
    assert.ok(id);
    assert.equal(open('usdt-demo').buildId(), id);
  });

  it('splits note sections with 4-byte alignment', () => {
    const note = Buffer.alloc(12 + 8 + 8);
    note.writeUInt32LE(5, 0);
    note.writeUInt32LE(6, 4);
    note.writeUInt32LE(9, 8);
    note.write('abcd\0', 12);
    note.write('xyzuvw', 20);
    const [n] = parseNotes(note);
    assert.equal(n?.owner, 'abcd');
    assert.equal(n?.type, 9);
    assert.equal(n?.desc.toString(), 'xyzuvw');
  });

  it('rejects files that are not 64-bit ELF', () => {
    assert.throws(
      () => new ElfFile(bufferSource(Buffer.from('#!/bin/sh\n'.padEnd(64, ' ')))),
      ElfError,
    );
  });
});
