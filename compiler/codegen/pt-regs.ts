// x86-64 `struct pt_regs` (arch/x86/include/uapi/asm/ptrace.h, the 64-bit layout the kernel
// hands kprobe and uprobe programs as ctx, and that bpf_perf_event_data starts with).
// Offsets in bytes; every field is 8 bytes.

/** The fields of `struct pt_regs` in order: the names `reg("...")` accepts. */
export const PT_REGS_FIELDS = [
  'r15',
  'r14',
  'r13',
  'r12',
  'bp',
  'bx',
  'r11',
  'r10',
  'r9',
  'r8',
  'ax',
  'cx',
  'dx',
  'si',
  'di',
  'orig_ax',
  'ip',
  'cs',
  'flags',
  'sp',
  'ss',
] as const;

const OFFSETS = new Map<string, number>(PT_REGS_FIELDS.map((f, i) => [f, i * 8]));
// The 64-bit assembler spellings (USDT argument specs) for the same fields.
for (const [full, field] of [
  ['rax', 'ax'],
  ['rbx', 'bx'],
  ['rcx', 'cx'],
  ['rdx', 'dx'],
  ['rsi', 'si'],
  ['rdi', 'di'],
  ['rbp', 'bp'],
  ['rsp', 'sp'],
  ['rip', 'ip'],
] as const) {
  OFFSETS.set(full, OFFSETS.get(field) ?? 0);
}

/** Offset of a register in pt_regs by its reg() name (`ax`, `ip`, `r8`) or assembler name (`rax`). */
export function ptRegsOffset(name: string): number | undefined {
  return OFFSETS.get(name);
}

/** The System V x86-64 calling convention: where argN is at a function's entry. */
const ARG_REGISTERS = ['di', 'si', 'dx', 'cx', 'r8', 'r9'] as const;

export function argOffset(n: number): number | undefined {
  const reg = ARG_REGISTERS[n];
  return reg === undefined ? undefined : OFFSETS.get(reg);
}

export const RETVAL_OFFSET = 10 * 8; // ax
export const IP_OFFSET = 16 * 8;
export const SP_OFFSET = 19 * 8;

/**
 * Field offsets of uprobe `args` records (passes/uprobe-args.ts) at or above this are stack
 * slots (UPROBE_STACK_BASE + byte offset above the return address), below it 8 × the index
 * of an argument register.
 */
export const UPROBE_STACK_BASE = 48;
