// bpfq run's command line parses as bpftrace 0.17's getopt_long does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunArgs, UsageError } from '../../cli/run-args.js';
import { commandArgv, resolveCommand } from '../../worker/runtime/child.js';

describe('bpfq run arguments', () => {
  it('takes -e with positional parameters after it', () => {
    const a = parseRunArgs(['-e', 'BEGIN { print($1); }', 'one', '2']);
    assert.equal(a.program, 'BEGIN { print($1); }');
    assert.deepEqual(a.params, ['one', '2']);
    assert.equal(a.file, undefined);
  });

  it('takes a file (or -) as the first positional without -e', () => {
    assert.equal(parseRunArgs(['prog.bt', 'x']).file, 'prog.bt');
    assert.deepEqual(parseRunArgs(['prog.bt', 'x']).params, ['x']);
    assert.equal(parseRunArgs(['-']).file, '-');
  });

  it('clusters short flags and accepts attached values', () => {
    const a = parseRunArgs(['-qv', '-p123', '-fjson', '-eBEGIN{}']);
    assert.equal(a.quiet, true);
    assert.equal(a.verbose, true);
    assert.equal(a.pid, 123);
    assert.equal(a.format, 'json');
    assert.equal(a.program, 'BEGIN{}');
    assert.equal(parseRunArgs(['-dd', '-e', 'x']).debug, 2);
    assert.equal(parseRunArgs(['-kk', '-e', 'x']).helperChecks, 2);
  });

  it('accepts options after positionals, and -- ends options', () => {
    const a = parseRunArgs(['-e', 'x', 'p1', '-q', '--', '-v']);
    assert.equal(a.quiet, true);
    assert.equal(a.verbose, false);
    assert.deepEqual(a.params, ['p1', '-v']);
  });

  it('reads long options', () => {
    const a = parseRunArgs(['--unsafe', '--info', '--no-warnings', '--include', 'x.h', '-e', 'p']);
    assert.equal(a.unsafe, true);
    assert.equal(a.info, true);
    assert.equal(a.noWarnings, true);
    assert.deepEqual(a.includes, ['x.h']);
  });

  it('lists with -l and -lv, the pattern as positional', () => {
    const a = parseRunArgs(['-lv', 'tracepoint:syscalls:sys_enter_open*']);
    assert.equal(a.list, true);
    assert.equal(a.verbose, true);
    assert.equal(a.program, 'tracepoint:syscalls:sys_enter_open*');
    assert.equal(parseRunArgs(['-l']).program, undefined);
  });

  it('rejects what bpftrace rejects', () => {
    assert.throws(() => parseRunArgs([]), UsageError);
    assert.throws(() => parseRunArgs(['-f', 'xml', '-e', 'x']), /Invalid output format/);
    assert.throws(() => parseRunArgs(['-p', 'abc', '-e', 'x']), /not a valid decimal/);
    assert.throws(() => parseRunArgs(['-z']), /invalid option -- 'z'/);
    assert.throws(() => parseRunArgs(['-e']), /requires an argument/);
    assert.throws(() => parseRunArgs(['--bogus']), /unrecognized option/);
    assert.throws(
      () => parseRunArgs(['-B', 'x', '-e', 'p']),
      /-B must be either 'line', 'full', or 'none'/,
    );
    // getopt's own complaints come with the usage text, bad values do not.
    const usage = (argv: string[]): boolean | undefined => {
      try {
        parseRunArgs(argv);
      } catch (e) {
        return e instanceof UsageError ? e.showUsage : undefined;
      }
      return undefined;
    };
    assert.equal(usage(['-z']), true);
    assert.equal(usage(['-p', 'x', '-e', 'p']), false);
  });

  it('splits -c on spaces and finds the command in PATH', () => {
    assert.deepEqual(commandArgv('  ls  -l /tmp '), ['ls', '-l', '/tmp']);
    assert.throws(() => commandArgv('   '), /empty/);
    assert.equal(resolveCommand('sh', '/nonexistent:/bin'), '/bin/sh');
    assert.equal(resolveCommand('no-such-command-bpfq', '/bin:/usr/bin'), undefined);
  });
});
