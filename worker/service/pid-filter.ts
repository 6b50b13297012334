// A job's `pid` scopes it in the kernel: every program of a probe that can fire in any
// process (tracepoints, raw tracepoints, kprobes, kfuncs, profile/software/hardware events)
// gets a prologue that returns early unless the current thread group is that pid, as
// bpftrace 0.24+ does for `-p`. BEGIN, END and interval are not filtered (they belong to no
// process); uprobes and USDT are attached to the pid by the runtime instead.
//
// The prologue goes in front of the encoded program, so the program's own jumps (relative)
// are untouched; map relocations and the source map shift by the prologue's length.
import type { Artifact, ProgramArtifact } from '../../compiler/artifact.js';
import { R0, R1, alu, call, encode, exit, jmp, label } from '../../compiler/bpf/index.js';

/** r6 is callee-saved and the verifier guarantees the program writes it before reading it. */
const R6 = 6;

function filtered(program: ProgramArtifact): boolean {
  switch (program.attach.kind) {
    case 'begin':
    case 'end':
    case 'uprobe':
    case 'uretprobe':
    case 'usdt':
    case 'watchpoint':
      return false;
    case 'perf_event':
      return program.attach.probe !== 'interval';
    default:
      return true;
  }
}

function prologue(pid: number): Uint8Array {
  return encode([
    alu.mov.reg(R6, R1), // the helper call clobbers r1-r5: keep the context
    call('get_current_pid_tgid'),
    alu.rsh.imm(R0, 32), // upper half: the thread group id (the process id)
    jmp.jeq.imm(R0, pid, 'mine'),
    alu.mov.imm(R0, 0),
    exit(),
    label('mine'),
    alu.mov.reg(R1, R6),
  ]).bytes;
}

export function filterByPid(artifact: Artifact, pid: number): Artifact {
  const head = prologue(pid);
  const slots = head.length / 8;
  return {
    ...artifact,
    programs: artifact.programs.map((p) => {
      if (!filtered(p)) return p;
      const body = Buffer.from(p.insns, 'base64');
      return {
        ...p,
        insns: Buffer.concat([Buffer.from(head), body]).toString('base64'),
        mapRelocations: p.mapRelocations.map((r) => ({ insn: r.insn + slots, map: r.map })),
        sourceMap: [...new Array<number>(slots).fill(-1), ...p.sourceMap],
      };
    }),
  };
}
