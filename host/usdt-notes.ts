// USDT probes from the `.note.stapsdt` ELF notes that <sys/sdt.h> emits (systemtap's
// "SDT v3" layout): per probe the probe pc, the link-time address of `.stapsdt.base`, the
// semaphore address, then provider, name and argument spec as NUL-terminated strings.
import type { UsdtArgument, UsdtProbe } from '../compiler/host.js';
import type { ElfFile } from './elf.js';

const NT_STAPSDT = 3;

export class UsdtArgError extends Error {}

/**
 * The 64-bit register behind every x86-64 register spelling an argument spec can use.
 * sdt.h lets the compiler pick any operand, so sub-registers (`%eax`, `%r8d`, `%dil`) show
 * up; the BPF side reads the full register from pt_regs and truncates to the arg size.
 */
const X86_64_REGISTERS: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const legacy: [string, string[]][] = [
    ['rax', ['eax', 'ax', 'al']],
    ['rbx', ['ebx', 'bx', 'bl']],
    ['rcx', ['ecx', 'cx', 'cl']],
    ['rdx', ['edx', 'dx', 'dl']],
    ['rsi', ['esi', 'si', 'sil']],
    ['rdi', ['edi', 'di', 'dil']],
    ['rbp', ['ebp', 'bp', 'bpl']],
    ['rsp', ['esp', 'sp', 'spl']],
    ['rip', ['eip', 'ip']],
  ];
  for (const [full, subs] of legacy) {
    m.set(full, full);
    for (const s of subs) m.set(s, full);
  }
  for (let n = 8; n <= 15; n++) {
    for (const suffix of ['', 'd', 'w', 'b']) m.set(`r${n}${suffix}`, `r${n}`);
  }
  return m;
})();

/** The 64-bit name (`rax`) for a register spelling (`%eax`, `eax`), or undefined. */
export function fullRegister(name: string): string | undefined {
  return X86_64_REGISTERS.get(name.replace(/^%/, '').toLowerCase());
}

function register(name: string, spec: string): string {
  const full = fullRegister(name);
  if (full === undefined)
    throw new UsdtArgError(`unsupported register '${name}' in USDT argument '${spec}'`);
  return full;
}

function parseInteger(text: string, spec: string): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text);
  if (!m) throw new UsdtArgError(`cannot parse '${text}' in USDT argument '${spec}'`);
  const v = BigInt(m[2] ?? '0');
  return m[1] === '-' ? -v : v;
}

/**
 * Parses one argument spec in the GNU assembler operand syntax sdt.h writes:
 * `-4@%ebp` (register), `8@-20(%rbp)` (memory, base + offset),
 * `8@(%rax,%rdx,8)` (memory, base + index * scale), `4@$5` (constant).
 */
export function parseUsdtArgument(spec: string): UsdtArgument {
  const at = spec.indexOf('@');
  // sdt.h always writes a size; a bare operand (very old sdt.h) defaults to 8 bytes.
  const size = at < 0 ? 8 : Number(spec.slice(0, at));
  if (!Number.isInteger(size) || ![1, 2, 4, 8].includes(Math.abs(size))) {
    throw new UsdtArgError(`bad size in USDT argument '${spec}'`);
  }
  const operand = at < 0 ? spec : spec.slice(at + 1);
  if (operand.startsWith('$')) {
    return { size, spec, location: { kind: 'const', value: parseInteger(operand.slice(1), spec) } };
  }
  if (operand.startsWith('%')) {
    return { size, spec, location: { kind: 'reg', reg: register(operand, spec) } };
  }
  const mem = /^([^(]*)\(([^)]*)\)$/.exec(operand);
  if (mem) {
    const disp = (mem[1] ?? '').trim();
    const parts = (mem[2] ?? '').split(',').map((s) => s.trim());
    const base = parts[0] ?? '';
    if (!base.startsWith('%'))
      throw new UsdtArgError(`no base register in USDT argument '${spec}'`);
    // A symbol displacement (`counter(%rip)`) would need the symbol table and the
    // runtime load address; it is reported as unparseable (libbpf rejects it too).
    const offset = disp === '' ? 0n : parseInteger(disp, spec);
    const location: UsdtArgument['location'] = { kind: 'mem', base: register(base, spec), offset };
    if (parts.length > 1) {
      const index = parts[1] ?? '';
      const scale = parts.length > 2 ? Number(parts[2]) : 1;
      if (![1, 2, 4, 8].includes(scale))
        throw new UsdtArgError(`bad scale in USDT argument '${spec}'`);
      location.index = register(index, spec);
      location.scale = scale;
    }
    return { size, spec, location };
  }
  throw new UsdtArgError(`cannot parse USDT argument '${spec}'`);
}

/** Splits an argument string (`-4@%eax 8@-8(%rbp)`) and parses each spec. */
export function parseUsdtArguments(text: string): UsdtArgument[] {
  const specs = text.trim() === '' ? [] : text.trim().split(/\s+/);
  return specs.map(parseUsdtArgument);
}

/** A probe as found in the note, before its addresses become file offsets. */
export interface UsdtNote {
  provider: string;
  name: string;
  pc: bigint;
  base: bigint;
  semaphore: bigint;
  args: string;
}

export function parseStapsdtNote(desc: Buffer): UsdtNote | undefined {
  if (desc.length < 24) return undefined;
  const strings: string[] = [];
  let p = 24;
  for (let i = 0; i < 3; i++) {
    const end = desc.indexOf(0, p);
    if (end < 0) return undefined;
    strings.push(desc.toString('utf8', p, end));
    p = end + 1;
  }
  return {
    pc: desc.readBigUInt64LE(0),
    base: desc.readBigUInt64LE(8),
    semaphore: desc.readBigUInt64LE(16),
    provider: strings[0] ?? '',
    name: strings[1] ?? '',
    args: strings[2] ?? '',
  };
}

export interface UsdtProbeWithErrors extends UsdtProbe {
  /** Set when an argument spec could not be parsed; args then holds the ones before it. */
  argError?: string;
}

/** Every USDT probe of an ELF file, in note order, with file offsets for attaching. */
export function usdtProbesOf(elf: ElfFile, path: string): UsdtProbeWithErrors[] {
  // When prelink moved the file after linking, `.stapsdt.base`'s address differs from
  // the one recorded in each note; pc and semaphore move by the same amount.
  const baseSection = elf.section('.stapsdt.base');
  const out: UsdtProbeWithErrors[] = [];
  for (const note of elf.notes()) {
    if (note.owner !== 'stapsdt' || note.type !== NT_STAPSDT) continue;
    const n = parseStapsdtNote(note.desc);
    if (!n) continue;
    const delta = baseSection && n.base !== 0n ? baseSection.addr - n.base : 0n;
    const pc = n.pc + delta;
    const semaphore = n.semaphore === 0n ? 0n : n.semaphore + delta;
    let args: UsdtArgument[] = [];
    let argError: string | undefined;
    try {
      args = parseUsdtArguments(n.args);
    } catch (err) {
      argError = err instanceof Error ? err.message : String(err);
      args = [];
      for (const spec of n.args.trim().split(/\s+/)) {
        try {
          args.push(parseUsdtArgument(spec));
        } catch {
          break;
        }
      }
    }
    const probe: UsdtProbeWithErrors = {
      provider: n.provider,
      name: n.name,
      path,
      fileOffset: elf.vaddrToOffset(pc) ?? pc,
      semaphoreOffset: semaphore === 0n ? 0n : semaphoreFileOffset(elf, semaphore),
      args,
    };
    if (argError !== undefined) probe.argError = argError;
    out.push(probe);
  }
  return out;
}

/**
 * The semaphore's file offset, through the section holding it (`.probes` in sdt.h's
 * output). The kernel's uprobe ref_ctr_offset is a file offset like the probe's.
 */
function semaphoreFileOffset(elf: ElfFile, addr: bigint): bigint {
  for (const sec of elf.sections) {
    if (sec.addr === 0n || sec.size === 0) continue;
    if (addr >= sec.addr && addr < sec.addr + BigInt(sec.size)) {
      return addr - sec.addr + BigInt(sec.offset);
    }
  }
  return elf.vaddrToOffset(addr) ?? addr;
}
