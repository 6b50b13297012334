// Whole programs: the article's one-liners and scripts (the article bpfq grew from), and programs in
// the style of bpftrace's tools written for this project (test/fixtures/front/programs/,
// each accepted by bpftrace 0.17 on the reference machine), checked against the fake host.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { check } from '../../../compiler/check.js';
import { formatDiagnostics } from '../../../compiler/diagnostics.js';
import { FakeHost } from '../../support/fake-host.js';
import { ok } from './helpers.js';
import { frontEndProgram } from '../../../bench/front-end.js';

const PROGRAMS = new URL('../../../../test/fixtures/front/programs/', import.meta.url);

/** The article's programs that bpftrace 0.17 accepts (its USDT binary lives in /tmp here). */
const ARTICLE: string[] = [
  'BEGIN { printf("hello world\\n"); }',
  'tracepoint:syscalls:sys_enter_open { printf("%s %s\\n", comm, str(args->filename)); }',
  'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
  'kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }',
  'kprobe:vfs_read { @start[tid] = nsecs; }\n    kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }',
  'tracepoint:block:block_rq_complete { @ = hist(args->nr_sector * 512); }',
  'usdt:/tmp/tracetest:testprobe { printf("%d: time is %d\\n", pid, arg0); }',
  'usdt:/tmp/libc:memory_arena_new { printf("PID %d: created new arena at %p, size %d\\n", pid, arg0, arg1); }',
  'tracepoint:syscalls:sys_enter_madvise /args->behavior == 4/ { printf("madvise DONTNEED called\\n"); }',
];

describe('programs that check', () => {
  for (const text of ARTICLE) {
    it(`article: ${text.split('\n')[0]}`, () => {
      const p = ok(text);
      assert.ok(p.probes.every((probe) => probe.targets.length > 0));
    });
  }

  const files = readdirSync(PROGRAMS).filter((f) => f.endsWith('.bt'));
  it('has the tool-style programs', () => {
    assert.ok(files.length >= 19, files.join(' '));
  });
  for (const f of files) {
    it(`tool: ${f}`, () => {
      const text = readFileSync(new URL(f, PROGRAMS), 'utf8');
      const r = check({ name: f, text }, {}, new FakeHost());
      assert.ok(r.program, formatDiagnostics(r.diagnostics, { name: f, text }));
      // Every expression is typed once checked (the promise to code generation).
      const untyped: string[] = [];
      const json = JSON.stringify(r.program.probes, (k, v: unknown) => {
        if (v && typeof v === 'object' && 'kind' in v && 'span' in v && !('type' in v)) {
          const kind = (v as { kind: string }).kind;
          const statements = [
            'exprStmt',
            'assign',
            'if',
            'unroll',
            'while',
            'break',
            'continue',
            'return',
            'block',
          ];
          if (!statements.includes(kind) && k !== 'attachPoints') untyped.push(kind);
        }
        return typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v;
      });
      assert.ok(json.length > 0);
      assert.deepEqual(untyped, []);
    });
  }

  it('checks the 300-line benchmark program', () => {
    const text = frontEndProgram();
    assert.ok(text.split('\n').length >= 300);
    const p = ok(text);
    assert.ok(p.probes.length > 20);
  });

  it('resolves tracepoint fields to the offsets of the format file', () => {
    const p = ok('tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }');
    const [s] = p.probes[0]?.body ?? [];
    assert.ok(s?.kind === 'assign' && s.target.kind === 'map');
    const key = s.target.keys[0];
    assert.ok(key?.kind === 'call');
    const field = key.args[0];
    assert.ok(field?.kind === 'field');
    assert.deepEqual(field.resolved, {
      name: 'filename',
      offset: 24,
      type: { kind: 'pointer', target: { kind: 'int', size: 1, signed: true }, space: 'kernel' },
    });
  });
});
