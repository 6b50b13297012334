// Tracepoint format files parsed into fields, checked against the format text the kernel
// wrote (test/fixtures/host/listing/formats, copied from tracefs by capture.sh).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  fieldDeclaration,
  parseAvailableEvents,
  parseTracepointFormat,
} from '../../host/tracefs.js';
import { hostFixture } from './host-fixtures.js';

const format = (name: string) => readFileSync(hostFixture(`listing/formats/${name}`), 'utf8');

describe('tracepoint format files', () => {
  it('parses sys_enter_openat with the common header flagged', () => {
    const fields = parseTracepointFormat(format('syscalls:sys_enter_openat'));
    assert.deepEqual(
      fields.map((f) => [f.name, f.typeText, f.offset, f.size, f.signed, f.common]),
      [
        ['common_type', 'unsigned short', 0, 2, false, true],
        ['common_flags', 'unsigned char', 2, 1, false, true],
        ['common_preempt_count', 'unsigned char', 3, 1, false, true],
        ['common_pid', 'int', 4, 4, true, true],
        ['__syscall_nr', 'int', 8, 4, true, false],
        ['dfd', 'int', 16, 8, false, false],
        ['filename', 'const char *', 24, 8, false, false],
        ['flags', 'int', 32, 8, false, false],
        ['mode', 'umode_t', 40, 8, false, false],
      ],
    );
    assert.ok(fields.every((f) => !f.dataLoc));
  });

  it('folds array suffixes into the type and keeps them in the declaration', () => {
    const fields = parseTracepointFormat(format('sched:sched_switch'));
    const prevComm = fields.find((f) => f.name === 'prev_comm');
    assert.ok(prevComm);
    assert.equal(prevComm.typeText, 'char[16]');
    assert.equal(prevComm.size, 16);
    assert.equal(fieldDeclaration(prevComm), 'char prev_comm[16]');
  });

  it('detects __data_loc fields', () => {
    const fields = parseTracepointFormat(format('irq:irq_handler_entry'));
    const name = fields.find((f) => f.name === 'name');
    assert.ok(name);
    assert.equal(name.dataLoc, true);
    assert.equal(name.typeText, '__data_loc char[]');
    assert.equal(name.size, 4);
    assert.equal(fieldDeclaration(name), '__data_loc char[] name');
  });

  it('every field line of each stored format becomes one field', () => {
    for (const tp of [
      'syscalls:sys_enter_openat2',
      'sched:sched_switch',
      'irq:irq_handler_entry',
    ]) {
      const text = format(tp);
      const lines = text.split('\n').filter((l) => l.trim().startsWith('field:'));
      const fields = parseTracepointFormat(text);
      assert.equal(fields.length, lines.length, tp);
      for (const [i, f] of fields.entries()) {
        assert.match(
          lines[i] ?? '',
          new RegExp(`\\b${f.name}\\b.*offset:${f.offset};\\s*size:${f.size};`),
        );
      }
    }
  });

  it('sorts and deduplicates available_events bytewise', () => {
    assert.deepEqual(parseAvailableEvents('sched:b\nsched:a\n\nA:z\nsched:a\n'), [
      'A:z',
      'sched:a',
      'sched:b',
    ]);
  });
});
