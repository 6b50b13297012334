import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../../compiler/front/parser.js';
import { printProgram } from '../../../compiler/front/print-ast.js';
import { ok } from './helpers.js';

describe('printProgram (-d)', () => {
  it('prints the checked tree with types, targets, variables and maps', () => {
    const p = ok(
      'BEGIN { $x = (uint8)1; @[comm] = count(); if ($x > 0) { printf("%d\\n", $x); } else { @y++ } }',
    );
    assert.equal(
      printProgram(p),
      [
        'Program',
        ' BEGIN',
        '  -> BEGIN (raw_tracepoint)',
        '  $x :: [unsigned int64]',
        '  =',
        '   variable: $x :: [unsigned int64]',
        '   (uint8) :: [unsigned int8]',
        '    int: 1 :: [int64]',
        '  =',
        '   map: @ :: [count]',
        '    builtin: comm :: [string[16]]',
        '   call: count :: [count]',
        '  if',
        '   > :: [unsigned int64]',
        '    variable: $x :: [unsigned int64]',
        '    int: 0 :: [int64]',
        '   then',
        '    call: printf :: [none]',
        '     string: "%d\\n" :: [string[4]]',
        '     variable: $x :: [unsigned int64]',
        '   else',
        '    ++ (post) :: [int64]',
        '     map: @y :: [int64]',
        'Maps',
        ' @[string[16]] :: [count]',
        ' @y :: [int64]',
        '',
      ].join('\n'),
    );
  });

  it('shows resolved fields, per-target offsets and C definitions', () => {
    const p = ok(
      'struct s { int a; char b; };\ntracepoint:syscalls:sys_enter_openat, tracepoint:sched:sched_process_exec { @[str(args->filename)] = count(); }',
    );
    const text = printProgram(p);
    assert.match(text, /^ struct s \(8 bytes\)$/m);
    assert.match(text, /^ {2}b @4 :: \[int8\]$/m);
    assert.match(text, /-> filename @24 \(per probe: 24,8\) :: \[int8 \*\]/);
  });

  it('prints a parsed program without types', () => {
    const r = parse({ name: 'stdin', text: 'BEGIN { @ = 1 + 2; }' });
    assert.ok(r.program);
    assert.equal(
      printProgram(r.program),
      'Program\n BEGIN\n  =\n   map: @\n   +\n    int: 1\n    int: 2\n',
    );
  });
});
