// The user symbolizer on a fixture binary run as a child (no root needed: a process may
// read its own children's maps), resolved after the child has exited; the vDSO; and the
// table lookup rules (nested symbols, zero sizes).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ElfFile } from '../../host/elf.js';
import { LiveSymbolizer } from '../../worker/symbols/live-symbolizer.js';
import { parseMaps } from '../../worker/symbols/proc-maps.js';
import {
  UserSymbols,
  lookup,
  perfMapTable,
  type SymbolTable,
} from '../../worker/symbols/user-symbols.js';
import { hostFixture } from './host-fixtures.js';

describe('user symbols', () => {
  it('resolves a process that has exited when it was remembered while alive', async () => {
    const path = hostFixture('usdt-demo');
    const child = spawn(path, ['100000', '20'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let pid = 0;
    let maps = '';
    const syms = new UserSymbols();
    try {
      await new Promise((r) => setTimeout(r, 100));
      pid = child.pid ?? 0;
      maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
      assert.ok(syms.rememberProcess(pid));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.equal(syms.rememberProcess(pid), false, 'the child is gone');
    const elf = ElfFile.open(path);
    const mapping = parseMaps(maps).find((m) => m.path === path && m.perms.includes('x'));
    assert.ok(mapping);
    for (const [name, delta] of [
      ['work', 5n],
      ['main', 0n],
      ['semaphore_probe', 2n],
    ] as const) {
      const sym = elf.symbols().find((s) => s.name === name);
      assert.ok(sym);
      const addr: bigint = mapping.start + (sym.fileOffset - mapping.offset) + delta;
      assert.deepEqual(syms.resolve(pid, addr), { name, offset: delta, module: path });
    }
    // Outside every mapping of the remembered process: unknown.
    assert.equal(syms.resolve(pid, 0x10n), undefined);
    // Never remembered and gone: unknown, as bpftrace 0.17 prints it.
    assert.equal(new UserSymbols().resolve(pid, mapping.start), undefined);
  });

  it('watches a process until it exits', async () => {
    const child = spawn(hostFixture('usdt-demo'), ['100000', '20'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const sym = new LiveSymbolizer();
    try {
      await new Promise((r) => setTimeout(r, 100));
      const pid = child.pid ?? 0;
      const stop = sym.watchProcess(pid, 20);
      const main = parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8')).find(
        (m) => m.path === hostFixture('usdt-demo') && m.perms.includes('x'),
      );
      assert.ok(main);
      child.kill('SIGKILL');
      await exited;
      await new Promise((r) => setTimeout(r, 60));
      stop();
      // Still resolvable after exit: the watch kept the last snapshot.
      const work = ElfFile.open(hostFixture('usdt-demo'))
        .symbols()
        .find((s) => s.name === 'work');
      assert.ok(work);
      const addr: bigint = main.start + (work.fileOffset - main.offset);
      assert.equal(sym.user(pid, addr)?.name, 'work');
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(typeof sym.watchProcess(0x7ffffff0, 20), 'function');
  });

  it('names vDSO code in a live process', () => {
    const vdso = parseMaps(readFileSync('/proc/self/maps', 'utf8')).find(
      (m) => m.path === '[vdso]',
    );
    assert.ok(vdso, 'this process has a vDSO');
    const syms = new UserSymbols();
    assert.ok(syms.rememberProcess(process.pid));
    const names: string[] = [];
    for (let a = vdso.start; a < vdso.end; a += 16n) {
      const s = syms.resolve(process.pid, a);
      if (s) {
        assert.equal(s.module, '[vdso]');
        names.push(s.name);
      }
    }
    assert.ok(
      names.some((n) => n.endsWith('clock_gettime')),
      names.join(' '),
    );
  });

  it('reads perf maps, names with spaces included', () => {
    const t = perfMapTable(
      '7f0000001000 40 JS:*hot /app/x.js:1:1\n7f0000000000 100 Builtin:Foo\nbad line\n',
    );
    assert.deepEqual(t.names, ['Builtin:Foo', 'JS:*hot /app/x.js:1:1']);
    assert.equal(t.names[lookup(t, 0x7f0000001010n)], 'JS:*hot /app/x.js:1:1');
    assert.equal(t.names[lookup(t, 0x7f00000000ffn)], 'Builtin:Foo');
    assert.equal(lookup(t, 0x7f0000000100n), -1);
    assert.equal(t.elf, undefined);
  });

  it('steps back past symbols that end before the address', () => {
    const table = (entries: [bigint, bigint, string][]): SymbolTable => ({
      starts: entries.map((e) => e[0]),
      ends: entries.map((e) => e[0] + e[1]),
      names: entries.map((e) => e[2]),
    });
    const t = table([
      [0x100n, 0x100n, 'outer'],
      [0x110n, 0x4n, 'nested'],
      [0x150n, 0n, 'label'],
    ]);
    assert.equal(t.names[lookup(t, 0x112n)], 'nested');
    assert.equal(t.names[lookup(t, 0x120n)], 'outer');
    assert.equal(t.names[lookup(t, 0x160n)], 'outer');
    assert.equal(lookup(t, 0x200n), -1);
    assert.equal(lookup(t, 0x50n), -1);
  });
});
