// Code generation: a checked program to an Artifact. One BPF program per expanded attach
// target (bpftrace 0.17), each lowered on virtual registers, register-allocated, encoded.
import { ARTIFACT_VERSION, type Artifact, type ProgramArtifact } from '../artifact.js';
import { alu, encode, EncodeError, slotCount, type Item } from '../bpf/index.js';
import { assert } from '../debug.js';
import type { Diagnostic } from '../diagnostics.js';
import type { CheckedProgram, Probe, ProbeTarget } from '../front/ast.js';
import type { CompilerHost } from '../host.js';
import { sizeOf } from '../types.js';
import { SCRATCH_VALUE_MAX, ScratchExhausted, StackExhausted } from './emitter.js';
import { CodegenError, ProbeLowering } from './lower-probe.js';
import { codegenDiagnostic } from './messages.js';
import { runPeephole } from './peephole.js';
import { allocateRegisters } from './regalloc.js';
import { runResources } from './resources.js';

export interface CodegenOptions {
  /** The -c child's pid for `cpid` (default 0: none). */
  cpid?: number;
}

/** The kernel's limit on instructions for a privileged program (BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_INSNS = 1_000_000;

export interface CodegenResult {
  artifact?: Artifact;
  diagnostics: Diagnostic[];
  /** Per program, the allocated items before encoding (for `-d` listings with labels). */
  listings: Item[][];
}

function toDiagnostic(err: unknown, probe: Probe): Diagnostic {
  if (err instanceof CodegenError) return codegenDiagnostic('unsupported', err.span, err.message);
  if (err instanceof StackExhausted) return codegenDiagnostic('stackExhausted', probe.span);
  if (err instanceof ScratchExhausted) {
    return codegenDiagnostic('scratchExhausted', probe.span, SCRATCH_VALUE_MAX);
  }
  throw err;
}

/**
 * Where each program's objects live in the per-CPU scratch buffer. Each program gets a region
 * of its own, so a program that runs nested inside another on the same CPU (a raw tracepoint
 * or fentry program firing inside a helper) cannot overwrite its data; when the regions would
 * not fit in one per-CPU value (the kernel's limit is 32 KiB), all programs share offset 0.
 */
export function scratchLayout(needs: readonly number[]): { offsets: number[]; size: number } {
  const total = needs.reduce((n, x) => n + x, 0);
  if (total <= SCRATCH_VALUE_MAX) {
    let at = 0;
    const offsets = needs.map((n) => {
      const here = at;
      at += n;
      return here;
    });
    return { offsets, size: total };
  }
  return { offsets: needs.map(() => 0), size: Math.max(0, ...needs) };
}

const ASYNC_ID_RANGE = 10000;

export { SCRATCH_VALUE_MAX };

export function runCodegen(
  program: CheckedProgram,
  host: CompilerHost,
  options: CodegenOptions = {},
): CodegenResult {
  const diagnostics: Diagnostic[] = [];
  const resources = runResources(program, host, sizeOf);
  // Each kind owns 10000 action ids (printf 0.., system 10000.., cat 20000..).
  for (const [kind, table] of [
    ['printf', resources.printf],
    ['system', resources.system],
    ['cat', resources.cat],
  ] as const) {
    if (table.length > ASYNC_ID_RANGE) {
      const span = program.probes[0]?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 2 };
      diagnostics.push(
        codegenDiagnostic(
          'unsupported',
          span,
          `more than ${ASYNC_ID_RANGE} ${kind}() calls in one program`,
        ),
      );
    }
  }
  if (diagnostics.length > 0) return { diagnostics, listings: [] };
  const probeNames: string[] = [];
  const programs: ProgramArtifact[] = [];
  const listings: Item[][] = [];

  // Lower every program first: the scratch buffer's layout depends on all of them.
  const lowered: { probe: Probe; target: ProbeTarget; lowering: ProbeLowering; items: Item[] }[] =
    [];
  for (const probe of program.probes) {
    probe.targets.forEach((target, targetIndex) => {
      const probeIndex = probeNames.push(target.name) - 1;
      const lowering = new ProbeLowering({
        program,
        probe,
        target,
        targetIndex,
        probeIndex,
        resources,
        host,
        cpid: options.cpid ?? 0,
      });
      try {
        lowered.push({ probe, target, lowering, items: runPeephole(lowering.run()) });
      } catch (err) {
        diagnostics.push(toDiagnostic(err, probe));
      }
    });
  }
  if (diagnostics.length > 0) return { diagnostics, listings };

  const { offsets, size: scratchSize } = scratchLayout(
    lowered.map((l) => l.lowering.e.scratchUsed),
  );
  lowered.forEach(({ probe, target, lowering, items }, k) => {
    const e = lowering.e;
    const region = e.scratchRegion;
    if (region !== undefined) {
      const at = items.indexOf(region);
      assert(at >= 0, 'scratch prologue lost');
      items[at] = alu.add.imm(region.dst, offsets[k] ?? 0);
    }
    try {
      const { items: allocated } = allocateRegisters(items, { spillSlot: () => e.spillSlot() });
      const slots = allocated.reduce((n, item) => n + slotCount(item), 0);
      if (slots > MAX_INSNS) {
        diagnostics.push(codegenDiagnostic('programTooLarge', probe.span, slots, MAX_INSNS));
        return;
      }
      let encoded;
      try {
        encoded = encode(allocated);
      } catch (err) {
        // The only encoding failure valid code can hit: a jump further than 32767 slots.
        if (err instanceof EncodeError && /out of range/.test(err.message)) {
          diagnostics.push(codegenDiagnostic('jumpTooFar', probe.span, slots));
          return;
        }
        throw err;
      }
      listings.push(allocated);
      programs.push({
        name: target.name,
        progType: target.progType,
        attach: target.attach,
        insns: Buffer.from(encoded.bytes).toString('base64'),
        mapRelocations: encoded.mapRelocations,
        sourceMap: encoded.sourceMap,
        spans: e.spans,
      });
    } catch (err) {
      diagnostics.push(toDiagnostic(err, probe));
    }
  });
  if (diagnostics.length > 0) return { diagnostics, listings };

  const maps = [...resources.maps];
  if (scratchSize > 0) {
    maps.push({
      name: resources.scratchMap,
      kernelName: 'scratch',
      role: 'scratch',
      type: 'percpu_array',
      keySize: 4,
      valueSize: scratchSize,
      maxEntries: 1,
      flags: 0,
    });
  }
  const artifact: Artifact = {
    format: 'bpfq-artifact',
    version: ARTIFACT_VERSION,
    source: program.source,
    probeCount: probeNames.length,
    programs,
    maps,
    printf: resources.printf,
    system: resources.system,
    cat: resources.cat,
    time: resources.time,
    strftime: resources.strftime,
    join: resources.join,
    printValue: resources.printValue,
    probeNames,
    needs: program.needs,
    config: program.config,
  };
  return { artifact, diagnostics, listings };
}
