import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, type Token } from '../../../compiler/front/lexer.js';
import { stringByteLength, stringBytes } from '../../../compiler/front/strings.js';

function tokens(text: string): Token[] {
  const lx = new Lexer(text);
  const out: Token[] = [];
  for (;;) {
    const t = lx.next();
    if (t.kind === 'eof') break;
    out.push(t);
  }
  assert.deepEqual(lx.errors, []);
  return out;
}

function errorCode(text: string): string | undefined {
  const lx = new Lexer(text);
  while (lx.next().kind !== 'eof') {
    /* drain */
  }
  return lx.errors[0]?.code;
}

describe('lexer', () => {
  it('reads every integer form of 0.17', () => {
    const values = tokens('0 42 0x1F 0777 1_000 1e3 2e0 10u 10ul 10LL 3U 18446744073709551615').map(
      (t) => t.int,
    );
    assert.deepEqual(values, [
      0n,
      42n,
      31n,
      511n,
      1000n,
      1000n,
      2n,
      10n,
      10n,
      10n,
      3n,
      18446744073709551615n,
    ]);
  });

  it('rejects malformed numbers with codes', () => {
    assert.equal(errorCode('08'), 'E1007');
    assert.equal(errorCode('1_'), 'E1007');
    assert.equal(errorCode('0x10ul'), 'E1007');
    assert.equal(errorCode('5e20'), 'E1009');
    assert.equal(errorCode('18446744073709551616'), 'E1008');
  });

  it('decodes string escapes', () => {
    const [t] = tokens('"a\\tb\\x41\\101\\n\\"\\\\"');
    assert.equal(t?.str, 'a\tbAA\n"\\');
  });

  it('hex and octal escapes are single raw bytes, source characters their UTF-8 bytes', () => {
    // bpftrace 0.17: buf("ab\x00\x7f\xffc", 6) printed ab\x00\x7f\xffc, buf("é\351", 3)
    // printed \xc3\xa9\xe9, and sizeof("\xff\xfeé") was 5.
    const bytes = (src: string) => [...stringBytes(tokens(src)[0]!.str ?? '')];
    assert.deepEqual(bytes('"ab\\x00\\x7f\\xffc"'), [0x61, 0x62, 0, 0x7f, 0xff, 0x63]);
    assert.deepEqual(bytes('"\\377\\200\\101\\1"'), [0xff, 0x80, 0x41, 1]);
    assert.deepEqual(bytes('"é\\351"'), [0xc3, 0xa9, 0xe9]);
    assert.equal(stringByteLength(tokens('"\\xff\\xfeé"')[0]!.str ?? ''), 4);
  });

  it('reports bad escapes, unterminated strings and comments, stray characters', () => {
    assert.equal(errorCode('"\\q"'), 'E1006');
    assert.equal(errorCode('"abc'), 'E1003');
    assert.equal(errorCode('/* never closed'), 'E1004');
    assert.equal(errorCode("'a'"), 'E1005');
  });

  it('skips comments and tracks 1-based spans with exclusive ends', () => {
    const t = tokens('// c\n/* x\n y */  @lat $x $1 $# >>= ->');
    assert.deepEqual(
      t.map((x) => [x.kind, x.text]),
      [
        ['map', '@lat'],
        ['var', '$x'],
        ['param', '$1'],
        ['paramCount', '$#'],
        ['punct', '>>='],
        ['punct', '->'],
      ],
    );
    assert.deepEqual(t[0]?.span, { line: 3, column: 8, endLine: 3, endColumn: 12 });
  });

  it('reads a preprocessor line only at the start of a line, with continuations', () => {
    const [t] = tokens('  #define X \\\n 5\n');
    assert.equal(t?.kind, 'preprocessor');
    assert.equal(t?.text, '#define X   5');
  });

  it('scans attach points with paths, wildcards, offsets and quotes', () => {
    const lx = new Lexer(
      'uprobe:/bin/bash:readline+8, t:syscalls:sys_enter_* BEGIN/pid/ u:"/opt/my app":f',
    );
    assert.equal(lx.scanAttachPoint()?.text, 'uprobe:/bin/bash:readline+8');
    assert.equal(lx.next().text, ',');
    assert.equal(lx.scanAttachPoint()?.text, 't:syscalls:sys_enter_*');
    // Without a `:`, `/` starts the predicate.
    assert.equal(lx.scanAttachPoint()?.text, 'BEGIN');
    assert.equal(lx.next().text, '/');
    lx.next();
    lx.next();
    assert.equal(lx.scanAttachPoint()?.text, 'u:/opt/my app:f');
  });
});
