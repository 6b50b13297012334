// The BTF reader against a BTF section gcc wrote (btf-demo.o from btf-demo.c, -gbtf), with
// offsets and kinds as `bpftool btf dump format raw` shows them (bpftool-btf-demo.txt).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Btf, BtfError } from '../../host/btf.js';
import { ElfFile, bufferSource } from '../../host/elf.js';
import type { CType } from '../../compiler/host.js';
import { hostFixture } from './host-fixtures.js';

function demoBtf(): Btf {
  const elf = new ElfFile(bufferSource(readFileSync(hostFixture('btf-demo.o'))));
  const sec = elf.section('.BTF');
  assert.ok(sec, 'btf-demo.o has a .BTF section');
  return new Btf(Buffer.from(elf.sectionData(sec)));
}

function fieldsOf(t: CType | undefined) {
  assert.ok(t && (t.kind === 'struct' || t.kind === 'union'), 'a struct');
  return t.fields;
}

/** bpftool's raw dump: member name -> bits_offset (and bitfield_size), for one struct. */
function bpftoolMembers(structName: string): Map<string, { bits: number; bitfield?: number }> {
  const text = readFileSync(hostFixture('bpftool-btf-demo.txt'), 'utf8').split('\n');
  const start = text.findIndex((l) => l.includes(`STRUCT '${structName}'`));
  const out = new Map<string, { bits: number; bitfield?: number }>();
  for (const line of text.slice(start + 1)) {
    const m = /^\t'([^']+)' type_id=\d+ bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line);
    if (!m) break;
    const entry: { bits: number; bitfield?: number } = { bits: Number(m[2]) };
    if (m[3] !== undefined) entry.bitfield = Number(m[3]);
    out.set(m[1] ?? '', entry);
  }
  return out;
}

describe('BTF reader', () => {
  const btf = demoBtf();

  it('counts the types bpftool lists', () => {
    assert.equal(btf.count - 1, 22);
  });

  it('resolves struct demo with the offsets bpftool reports', () => {
    const fields = fieldsOf(btf.type('struct demo'));
    const expected = bpftoolMembers('demo');
    for (const name of [
      'id',
      'flag_a',
      'flag_b',
      'signed_bits',
      'in',
      'name',
      'next',
      'color',
      'values',
    ]) {
      const f = fields.find((x) => x.name === name);
      const e = expected.get(name);
      assert.ok(f && e, name);
      assert.equal(f.offset * 8 + (f.bitOffset ?? 0), e.bits, name);
      assert.equal(f.bitSize, e.bitfield, name);
    }
  });

  it('lifts members of anonymous unions and structs into the parent', () => {
    const fields = fieldsOf(btf.type('demo'));
    const byName = new Map(fields.map((f) => [f.name, f]));
    assert.equal(byName.get('as_long')?.offset, 16);
    assert.equal(byName.get('as_bytes')?.offset, 16);
    assert.equal(byName.get('x')?.offset, 24);
    assert.equal(byName.get('y')?.offset, 26);
    assert.ok(!fields.some((f) => f.name === ''));
  });

  it('resolves typedefs, qualifiers, arrays, enums and pointers', () => {
    const byName = new Map(fieldsOf(btf.type('struct demo')).map((f) => [f.name, f.type]));
    assert.deepEqual(byName.get('id'), {
      kind: 'int',
      name: 'unsigned int',
      size: 4,
      signed: false,
    });
    assert.deepEqual(byName.get('values'), {
      kind: 'array',
      elem: { kind: 'int', name: 'long int', size: 8, signed: true },
      count: 4,
    });
    assert.equal(byName.get('color')?.kind, 'enum');
    const name = byName.get('name');
    assert.ok(name?.kind === 'ptr');
    // gcc marks x86's plain char SIGNED|CHAR (bpftool shows that pair as "UNKN").
    assert.deepEqual(name.target(), { kind: 'int', name: 'char', size: 1, signed: true });
    const next = byName.get('next');
    assert.ok(next?.kind === 'ptr');
    const target = next.target();
    assert.ok(target.kind === 'struct');
    assert.equal(target.name, 'demo');
    assert.equal(target.size, 88);
  });

  it('finds typedefs and base types by bare name, and unions by tag', () => {
    assert.deepEqual(btf.type('u32'), {
      kind: 'int',
      name: 'unsigned int',
      size: 4,
      signed: false,
    });
    assert.deepEqual(btf.type('long int'), {
      kind: 'int',
      name: 'long int',
      size: 8,
      signed: true,
    });
    assert.equal(btf.type('struct nosuch'), undefined);
    assert.equal(btf.type('enum color')?.kind, 'enum');
    assert.equal(btf.type('union demo'), undefined);
  });

  it('returns function prototypes with parameter names', () => {
    const fn = btf.func('demo_fn');
    assert.ok(fn);
    assert.deepEqual(
      fn.params.map((p) => p.name),
      ['d', 'n'],
    );
    assert.deepEqual(fn.ret, { kind: 'int', name: 'int', size: 4, signed: true });
    assert.equal(fn.params[1]?.type.kind, 'int');
    assert.equal(btf.func('nosuch'), undefined);
  });

  it('answers the same after switching to the decoded string index', () => {
    const fresh = demoBtf();
    const names = ['struct demo', 'u32', 'enum color', 'struct inner', 'long int', 'nosuch'];
    const first = names.map((n) => JSON.stringify(fresh.type(n)));
    // Past 16 searches the reader decodes the string section into a map.
    for (let i = 0; i < 20; i++) fresh.type(`struct missing${i}`);
    const again = demoBtf();
    for (let i = 0; i < 20; i++) again.type(`struct missing${i}`);
    assert.deepEqual(
      names.map((n) => JSON.stringify(again.type(n))),
      first,
    );
    assert.equal(again.func('demo_fn')?.params.length, 2);
  });

  it('rejects data that is not BTF', () => {
    assert.throws(() => new Btf(Buffer.alloc(64)), BtfError);
  });
});
