// The verifier's reason for a rejection, picked out of its log: the last line that is not an
// instruction it walked, a register or stack state dump, or its statistics. Logs below are
// cut from what kernel 6.18 printed for programs bpfq compiled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rejectionReason } from '../../worker/loader/explain-rejection.js';

describe('rejectionReason', () => {
  it('finds the reason of an infinite loop before the state dumps that follow it', () => {
    const log = [
      '8: (79) r1 = *(u64 *)(r0 +0)',
      'infinite loop detected at insn 9',
      'cur state: R0=map_value(map=AT_x,ks=8,vs=8) R1=scalar() R10=fp0 fp-8=0',
      'old state: R0=map_value(map=AT_x,ks=8,vs=8) R1=scalar() R10=fp0 fp-8=0',
      'processed 26 insns (limit 1000000) max_states_per_insn 0 total_states 2',
      '',
    ].join('\n');
    assert.equal(rejectionReason(log), 'infinite loop detected at insn 9');
  });

  it('finds the reason when it is the last line before the statistics', () => {
    const log = [
      '9: (15) if r0 == 0x0 goto pc+1',
      'The sequence of 8193 jumps is too complex.',
      'processed 172041 insns (limit 1000000) max_states_per_insn 4 total_states 2052',
    ].join('\n');
    assert.equal(rejectionReason(log), 'The sequence of 8193 jumps is too complex.');
  });

  it('keeps a register-named reason, skipping instructions and state lines', () => {
    const log = [
      '0: R1=ctx() R10=fp0',
      '0: (79) r1 = *(u64 *)(r1 +0)        ; R1_w=scalar()',
      '1: (61) r0 = *(u32 *)(r1 +0)',
      "R1 invalid mem access 'scalar'",
      'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0',
    ].join('\n');
    assert.equal(rejectionReason(log), "R1 invalid mem access 'scalar'");
  });

  it('says nothing for an empty log', () => {
    assert.equal(rejectionReason(''), undefined);
  });
});
