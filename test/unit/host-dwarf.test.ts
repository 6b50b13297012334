// Function parameters from DWARF: `-lv` on a gcc -g binary against what bpftrace 0.17
// listed for it (test/fixtures/host/bpftrace-lv-dwarf-demo.txt, see build.sh), and the
// C types handed to the compiler for uprobe `args`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { listProbes } from '../../cli/list.js';
import { readSleb, readUleb } from '../../host/dwarf.js';
import { NodeHost } from '../../host/node-host.js';
import { HOST_FIXTURES, hostFixture } from './host-fixtures.js';

describe('DWARF parameters', () => {
  const path = hostFixture('dwarf-demo');

  it('-lv lists parameters exactly as bpftrace 0.17', () => {
    const expected = readFileSync(hostFixture('bpftrace-lv-dwarf-demo.txt'), 'utf8').replaceAll(
      '@DIR@/',
      HOST_FIXTURES,
    );
    const warnings: string[] = [];
    const ours = listProbes(
      `uprobe:${path}:*`,
      { verbose: true, warn: (l) => warnings.push(l) },
      new NodeHost(),
    );
    assert.equal(ours, expected);
    assert.deepEqual(warnings, []);
  });

  it('warns once when the binary has no DWARF', () => {
    const warnings: string[] = [];
    const out = listProbes(
      `uprobe:${hostFixture('usdt-demo')}:*`,
      { verbose: true, warn: (l) => warnings.push(l) },
      new NodeHost(),
    );
    assert.ok(out.split('\n').length > 5);
    assert.deepEqual(warnings, [
      `WARNING: No DWARF found for "${hostFixture('usdt-demo')}", cannot show parameter info`,
    ]);
  });

  it('gives the compiler C types, typedefs resolved', () => {
    const host = new NodeHost();
    const f2 = host.functionParams(path, 'f2');
    assert.ok(f2);
    const p = f2[0];
    assert.equal(p?.name, 'p');
    assert.ok(p?.type.kind === 'ptr');
    const point = p.type.target();
    assert.ok(point.kind === 'struct');
    assert.equal(point.name, 'point');
    assert.deepEqual(
      point.fields.map((f) => [f.name, f.offset]),
      [
        ['x', 0],
        ['y', 8],
      ],
    );
    assert.deepEqual(f2[3]?.type, {
      kind: 'int',
      name: 'long unsigned int',
      size: 8,
      signed: false,
    });
    assert.equal(f2[2]?.type.kind, 'enum');
    const f1 = host.functionParams(path, 'f1');
    assert.deepEqual(f1?.[3]?.type, { kind: 'int', name: 'short int', size: 2, signed: true });
    // Described by no DWARF entry: no parameters; a binary without DWARF: undefined.
    assert.deepEqual(host.functionParams(path, 'nosuch'), []);
    assert.equal(host.functionParams(hostFixture('usdt-demo'), 'work'), undefined);
  });

  it('marks floating-point parameters (passed in SSE registers)', () => {
    const f4 = new NodeHost().functionParams(path, 'f4');
    assert.deepEqual(
      f4?.map((p) => [p.name, p.type.kind === 'int' && p.type.float === true]),
      [
        ['f', true],
        ['d', true],
        ['b', false],
        ['pc', false],
        ['pv', false],
      ],
    );
  });

  it('decodes LEB128', () => {
    assert.deepEqual(readUleb(Buffer.from([0xe5, 0x8e, 0x26]), 0), { value: 624485n, next: 3 });
    assert.deepEqual(readSleb(Buffer.from([0xc0, 0xbb, 0x78]), 0), { value: -123456n, next: 3 });
    assert.deepEqual(readSleb(Buffer.from([0x7f]), 0), { value: -1n, next: 1 });
  });
});
