// Shared by the runtime's kernel tests: hand-built programs (compiler/bpf constructors), the
// C workload, and the check that nothing of ours stays loaded after a test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  alu,
  call,
  encode,
  exit,
  insn,
  jmp,
  ld,
  label,
  st,
  type Item,
  R0,
  R1,
  R2,
  R10,
} from '../../compiler/bpf/index.js';
import type {
  Artifact,
  AttachTarget,
  MapArtifact,
  ProgType,
  ProgramArtifact,
} from '../../compiler/artifact.js';
import { ARTIFACT_VERSION } from '../../compiler/artifact.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** BPF programs the kernel has loaded right now: id to name. */
export function loadedPrograms(): Map<number, string> {
  const out = execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
  return new Map(
    (JSON.parse(out || '[]') as { id: number; name?: string }[]).map((p) => [p.id, p.name ?? '']),
  );
}

/** This process's fds that hold kernel BPF or perf objects, by kind (exact, unlike global lists). */
export function bpfFds(): string[] {
  const kinds: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/^anon_inode:(bpf-prog|bpf-map|bpf_link|\[perf_event\]|\[eventpoll\])/.test(target))
        kinds.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return kinds.sort();
}

export interface KernelSnapshot {
  progs: Map<number, string>;
  fds: string[];
}

export function snapshot(): KernelSnapshot {
  return { progs: loadedPrograms(), fds: bpfFds() };
}

/**
 * Nothing of ours is left: this process holds no new BPF program, map, link, perf event or
 * epoll fd, and no program named like ours (`names`, the kernel's 15-character names) was
 * left loaded. Other processes may load programs meanwhile, so only our names count.
 */
export function assertNothingLeft(before: KernelSnapshot, names: string[] = []): void {
  const now = snapshot();
  assert.deepEqual(now.fds, before.fds, 'BPF or perf fds left open');
  if (names.length === 0) return;
  const ours = new Set(names.map((n) => n.slice(0, 15)));
  // The kernel frees a program after an RCU grace period once its last fd and link are
  // gone (links are released asynchronously), so allow it a moment.
  let left: [number, string][] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    left = [...loadedPrograms()].filter(([id, name]) => !before.progs.has(id) && ours.has(name));
    if (left.length === 0) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  assert.deepEqual(left, [], 'BPF programs left loaded');
}

/** Builds test/kernel/NAME.c into test/.tmp/NAME once (again when the source changes). */
export function cProgram(name: string): string {
  const src = join(repoRoot, `test/kernel/${name}.c`);
  const dir = join(repoRoot, 'test/.tmp');
  const bin = join(dir, name);
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    execFileSync('cc', ['-O1', '-o', `${bin}.${process.pid}`, src]);
    execFileSync('mv', ['-f', `${bin}.${process.pid}`, bin]);
  }
  return bin;
}

/** Builds the C workload once per test run; returns its path. */
export function workloadBinary(): string {
  return cProgram('runtime-workload');
}

/**
 * How many of `writes` writes to a watched address this machine's hardware breakpoints
 * report, counted by the kernel's own perf counter (no BPF): `writes` on bare metal, 0 in a
 * virtual machine that does not pass debug registers through.
 */
export function hardwareBreakpointCount(writes: number): number {
  return Number(
    execFileSync(cProgram('hw-breakpoint-count'), [String(writes)], { encoding: 'utf8' }),
  );
}

/** `readelf` facts about the workload: a symbol's file offset and the USDT probe's. */
export function elfFileOffset(path: string, vaddr: bigint): bigint {
  const out = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'LOAD') continue;
    const off = BigInt(f[1]!);
    const va = BigInt(f[2]!);
    const filesz = BigInt(f[4]!);
    if (vaddr >= va && vaddr < va + filesz) return vaddr - va + off;
  }
  throw new Error(`no LOAD segment holds 0x${vaddr.toString(16)}`);
}

export function symbolAddress(path: string, name: string): bigint {
  const out = execFileSync('nm', [path], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`no symbol ${name} in ${path}`);
  return BigInt(`0x${line.split(' ')[0]}`);
}

export function usdtLocation(path: string): { pc: bigint; semaphore: bigint } {
  const out = execFileSync('readelf', ['-n', path], { encoding: 'utf8' });
  const m = /Location: (0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)/.exec(out);
  if (!m) throw new Error(`no USDT note in ${path}`);
  return { pc: BigInt(m[1]!), semaphore: BigInt(m[2]!) };
}

/** Increments the u64 in slot 0 of array map `map`: the smallest useful probe body. */
export function countInto(map: string, out = 'out'): Item[] {
  return [
    st.w(R10, -4, 0),
    alu.mov.reg(R2, R10),
    alu.add.imm(R2, -4),
    ld.mapFd(R1, map),
    call('map_lookup_elem'),
    jmp.jeq.imm(R0, 0, out),
    alu.mov.imm(R1, 1),
    // lock *(u64 *)(r0 + 0) += r1  (BPF_STX | BPF_ATOMIC | BPF_DW, imm BPF_ADD)
    insn({ opcode: 0xdb, dst: R0, src: R1, off: 0, imm: 0 }),
    label(out),
    alu.mov.imm(R0, 0),
    exit(),
  ];
}

export function program(
  name: string,
  progType: ProgType,
  attach: AttachTarget,
  items: Item[],
): ProgramArtifact {
  const e = encode(items);
  return {
    name,
    progType,
    attach,
    insns: Buffer.from(e.bytes).toString('base64'),
    mapRelocations: e.mapRelocations,
    sourceMap: e.sourceMap,
    spans: [],
  };
}

export function counterMap(name: string): MapArtifact {
  return {
    name,
    kernelName: name,
    role: 'internal',
    type: 'array',
    keySize: 4,
    valueSize: 8,
    maxEntries: 1,
    flags: 0,
  };
}

export function artifactOf(
  parts: Partial<Artifact> & { programs: ProgramArtifact[]; maps: MapArtifact[] },
): Artifact {
  return {
    format: 'bpfq-artifact',
    version: ARTIFACT_VERSION,
    source: { name: 'stdin', text: '' },
    probeCount: parts.programs.length,
    printf: [],
    system: [],
    cat: [],
    time: [],
    strftime: [],
    join: [],
    printValue: [],
    probeNames: parts.programs.map((p) => p.name),
    needs: { unsafe: false, cpid: false, elapsed: false },
    config: { strlen: 64, mapKeysMax: 4096, perfRbPages: 64 },
    ...parts,
  };
}

export function dirOf(path: string): string {
  return dirname(path);
}
