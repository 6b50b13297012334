// From an artifact to kernel objects: create every map, patch each ld_imm64 map reference with
// the map's fd, and load every program. On any failure, what was created so far is closed.
import type { Artifact, MapArtifact, ProgramArtifact } from '../../compiler/artifact.js';
import { BpfMap } from '../libbpf/map.js';
import { closeFd, loadProgram } from '../libbpf/program.js';
import { BPF_ATTACH_TYPE, progTypeNumber } from '../libbpf/constants.js';
import { uprobeMultiSupported } from '../libbpf/uprobe-multi.js';
import { possibleCpus } from '../libbpf/cpus.js';
import { VerifierError } from '../libbpf/errors.js';
import { explainRejection, type DisassembleSlot } from './explain-rejection.js';
import { makeSlotDisassembler } from './disassemble-slot.js';

export interface LoadedProgram {
  artifact: ProgramArtifact;
  fd: number;
  /** Verifier log, when loaded with `verbose`. */
  log: string;
  /** bpf_attach_type it was loaded for: TRACE_UPROBE_MULTI for uprobes attached by link. */
  expectedAttachType: number;
}

export interface LoadArtifactOptions {
  /** Load with the verifier log and keep it (-v). Default false. */
  verbose?: boolean;
  /** Disassembler for the failing instruction of a rejected program. Default: compiler/bpf's. */
  disassemble?: DisassembleSlot;
  /**
   * How uprobe, uretprobe and USDT programs attach: 'link' (uprobe_multi links, kernel 6.6+),
   * 'pmu' (a perf event of the uprobe PMU), or 'auto' (links when the kernel has them).
   * Default 'auto'.
   */
  uprobeAttach?: 'auto' | 'link' | 'pmu';
}

function isUprobe(p: ProgramArtifact): boolean {
  const k = p.attach.kind;
  return k === 'uprobe' || k === 'uretprobe' || k === 'usdt';
}

const BPF_PSEUDO_MAP_FD = 1;

/** Writes the map fd into an ld_imm64's imm and marks its src_reg as BPF_PSEUDO_MAP_FD. */
export function patchMapFd(insns: Buffer, slot: number, fd: number): void {
  const at = slot * 8;
  if (at + 16 > insns.length || insns[at] !== 0x18) {
    throw new Error(`map relocation at slot ${slot} is not an ld_imm64`);
  }
  insns[at + 1] = (insns[at + 1]! & 0x0f) | (BPF_PSEUDO_MAP_FD << 4);
  insns.writeInt32LE(fd, at + 4);
  insns.writeInt32LE(0, at + 12); // the second slot's imm is the high half: 0 for an fd
}

/** A program's kernel name: `bpftool prog` shows it; the kernel keeps 15 characters. */
function programName(p: ProgramArtifact): string {
  const kind = p.attach.kind;
  const base =
    p.name
      .split(':')
      .slice(1)
      .filter((s) => s !== '')
      .pop() ?? kind;
  return kind === 'begin' ? 'BEGIN' : kind === 'end' ? 'END' : base;
}

export class LoadedArtifact {
  private closed = false;

  constructor(
    readonly artifact: Artifact,
    readonly maps: Map<string, { artifact: MapArtifact; map: BpfMap }>,
    readonly programs: LoadedProgram[],
  ) {}

  map(name: string): BpfMap | undefined {
    return this.maps.get(name)?.map;
  }

  /** Programs first (they hold map references), then maps. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.programs].reverse()) closeFd(p.fd);
    for (const m of [...this.maps.values()].reverse()) m.map.close();
  }
}

/**
 * Creates the maps and loads the programs into `loaded`, one kernel object per step, so a
 * caller can pause between steps (loadArtifactSliced) or run them straight (loadArtifact).
 */
function* loadSteps(loaded: LoadedArtifact, options: LoadArtifactOptions): Generator<void> {
  const { artifact, maps, programs } = loaded;
  const mode = options.uprobeAttach ?? 'auto';
  const links =
    artifact.programs.some(isUprobe) &&
    (mode === 'link' || (mode === 'auto' && uprobeMultiSupported()));
  for (const m of artifact.maps) {
    const maxEntries =
      m.type === 'perf_event_array' && m.maxEntries === 0 ? possibleCpus() : m.maxEntries;
    const map = BpfMap.create({
      type: m.type,
      name: m.kernelName,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries,
      flags: m.flags,
    });
    maps.set(m.name, { artifact: m, map });
    yield;
  }
  for (const p of artifact.programs) {
    const insns = Buffer.from(p.insns, 'base64');
    for (const r of p.mapRelocations) {
      const m = maps.get(r.map);
      if (!m) throw new Error(`program ${p.name} refers to unknown map ${r.map}`);
      patchMapFd(insns, r.insn, m.map.fd);
    }
    const expectedAttachType = links && isUprobe(p) ? BPF_ATTACH_TYPE.TRACE_UPROBE_MULTI : 0;
    try {
      const { fd, log } = loadProgram(progTypeNumber(p.progType), insns, {
        name: programName(p),
        wantLog: options.verbose ?? false,
        expectedAttachType,
      });
      programs.push({ artifact: p, fd, log, expectedAttachType });
    } catch (e) {
      if (e instanceof VerifierError) {
        throw new VerifierError(
          p.name,
          e.errno,
          e.log,
          explainRejection(
            artifact,
            p,
            e.log,
            options.disassemble ?? makeSlotDisassembler(p.mapRelocations),
          ),
        );
      }
      throw e;
    }
    yield;
  }
}

export function loadArtifact(
  artifact: Artifact,
  options: LoadArtifactOptions = {},
): LoadedArtifact {
  const loaded = new LoadedArtifact(artifact, new Map(), []);
  try {
    for (const _ of loadSteps(loaded, options));
    return loaded;
  } catch (e) {
    loaded.close();
    throw e;
  }
}

/**
 * loadArtifact, giving the event loop a turn whenever `pause` says so: each BPF_PROG_LOAD runs
 * the verifier synchronously, and hundreds of them (`tracepoint:syscalls:sys_*`) add up.
 */
export async function loadArtifactSliced(
  artifact: Artifact,
  options: LoadArtifactOptions & { pause(): Promise<void> },
): Promise<LoadedArtifact> {
  const loaded = new LoadedArtifact(artifact, new Map(), []);
  try {
    for (const _ of loadSteps(loaded, options)) await options.pause();
    return loaded;
  } catch (e) {
    loaded.close();
    throw e;
  }
}
