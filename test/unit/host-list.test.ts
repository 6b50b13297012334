// `-l` / `-lv` replayed against what bpftrace 0.17 printed on the machine whose tracefs
// files are stored beside it (test/fixtures/host/listing: capture.sh, cases.txt, out/).
// The host here serves those stored files; the kernel-group test compares live.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CompilerHost } from '../../compiler/host.js';
import { ListError, globToRegExp, listProbes, type ListHost } from '../../cli/list.js';
import { parseAvailableEvents, parseTracepointFormat } from '../../host/tracefs.js';
import { hostFixture } from './host-fixtures.js';

const dir = hostFixture('listing/');

function storedHost(): ListHost {
  const events = parseAvailableEvents(readFileSync(`${dir}available_events`, 'utf8'));
  const unsupported = (): never => {
    throw new Error('not stored');
  };
  const host: CompilerHost & Pick<Required<ListHost>, 'kernelFunctionList'> = {
    listTracepoints: () => events,
    tracepointFormat: (cat, event) => {
      try {
        return parseTracepointFormat(readFileSync(`${dir}formats/${cat}:${event}`, 'utf8'));
      } catch {
        return undefined;
      }
    },
    listKernelFunctions: () => [],
    // The capture machine could not read the list (lockdown), so bpftrace warned.
    kernelFunctionList: () => ({
      ok: false,
      error: 'Operation not permitted',
      path: '/sys/kernel/tracing/available_filter_functions',
    }),
    btfType: unsupported,
    btfFunction: unsupported,
    resolveBinary: unsupported,
    elfSymbols: unsupported,
    usdtProbes: unsupported,
    kernelSymbol: unsupported,
    env: () => undefined,
    ncpus: () => 2,
  };
  return host;
}

const cases = readFileSync(`${dir}cases.txt`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((line, i) => {
    const sp = line.indexOf(' ');
    return {
      n: i + 1,
      verbose: line.slice(0, sp) === 'lv',
      pattern: line.slice(sp + 1),
    };
  });

describe('probe listing replays bpftrace -l', () => {
  const host = storedHost();
  for (const c of cases) {
    it(`${c.verbose ? '-lv' : '-l'} ${c.pattern}`, () => {
      const stdout = readFileSync(`${dir}out/${c.n}.stdout`, 'utf8');
      const stderr = readFileSync(`${dir}out/${c.n}.stderr`, 'utf8');
      const warnings: string[] = [];
      let ours = '';
      let error = '';
      try {
        ours = listProbes(c.pattern, { verbose: c.verbose, warn: (l) => warnings.push(l) }, host);
      } catch (err) {
        assert.ok(err instanceof ListError);
        error = err.message;
      }
      assert.equal(ours, stdout);
      assert.equal(error + warnings.map((w) => `${w}\n`).join(''), stderr);
    });
  }
});

describe('kernel function listing', () => {
  it('lists kprobes and kretprobes from a readable function list', () => {
    const host: ListHost = {
      ...storedHost(),
      kernelFunctionList: () => ({
        ok: true,
        names: ['vfs_open', 'vfs_read', 'vfs_write', 'xfs_read'],
      }),
    };
    assert.equal(
      listProbes('kprobe:vfs_*', {}, host),
      'kprobe:vfs_open\nkprobe:vfs_read\nkprobe:vfs_write\n',
    );
    assert.equal(listProbes('kr:*read', {}, host), 'kretprobe:vfs_read\nkretprobe:xfs_read\n');
    assert.equal(listProbes('k:nothing*', {}, host), '');
  });
});

describe('probe globs', () => {
  it('anchors and treats only * as special', () => {
    assert.ok(globToRegExp('sys_enter_open*').test('sys_enter_openat'));
    assert.ok(!globToRegExp('open*').test('sys_enter_openat'));
    assert.ok(globToRegExp('a.b').test('a.b'));
    assert.ok(!globToRegExp('a.b').test('axb'));
    assert.ok(globToRegExp('*').test(''));
  });
});
