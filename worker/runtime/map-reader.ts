// Reading kernel maps for the decoder: user maps as raw entries (per-CPU values split), and
// stack ids from the STACK_TRACE maps.
import type { Artifact, MapArtifact } from '../../compiler/artifact.js';
import type { RawMapEntry, StackRef } from '../output/index.js';
import type { BpfMap } from '../libbpf/map.js';
import type { LoadedArtifact } from '../loader/load-artifact.js';

export function readRawEntries(map: BpfMap): RawMapEntry[] {
  return map.entries().map(({ key, value }) => ({ key, perCpuValues: map.splitPerCpu(value) }));
}

/** The stack map that holds stacks of this type: by frame count, then by mode in the name. */
function stackMapFor(artifact: Artifact, stack: StackRef): MapArtifact | undefined {
  const candidates = artifact.maps.filter(
    (m) => m.role === 'stack' && m.type === 'stack_trace' && m.valueSize === stack.limit * 8,
  );
  if (candidates.length <= 1) return candidates[0];
  return candidates.find((m) => m.name.includes(stack.mode)) ?? candidates[0];
}

/** Instruction pointers of a stack id, innermost first; undefined when the id is gone. */
export function readStack(
  loaded: LoadedArtifact,
  stack: StackRef,
  stackId: number,
): bigint[] | undefined {
  if (stackId < 0) return undefined;
  const spec = stackMapFor(loaded.artifact, stack);
  const map = spec ? loaded.map(spec.name) : undefined;
  if (!map) return undefined;
  const key = Buffer.alloc(4);
  key.writeUInt32LE(stackId >>> 0);
  const value = map.lookup(key);
  if (!value) return undefined;
  const ips: bigint[] = [];
  for (let off = 0; off + 8 <= value.length; off += 8) {
    const ip = value.readBigUInt64LE(off);
    if (ip === 0n) break;
    ips.push(ip);
  }
  return ips;
}
