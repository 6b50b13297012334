// The resources pass: everything a program needs besides its instructions, decided before
// lowering so that every probe (and every expansion of a multi-target probe) agrees:
//  - user maps with their kernel type, key and value sizes (bpftrace 0.17's layout, with
//    bpfq's fixes for min/max: see userMapArtifact);
//  - internal maps: the perf event array, stack maps per depth, `elapsed`, the scratch buffer;
//  - async action ids: printf/system/cat formats, time/strftime formats, join and print sites.
import type { Artifact, FormatSpec, MapArtifact } from '../artifact.js';
import type { Call, CheckedProgram, Expr, MapInfo } from '../front/ast.js';
import type { CompilerHost } from '../host.js';
import { type SizedType } from '../types.js';
import { eventLayout, keyLayout } from './layout.js';
import { forEachExpr } from './walk.js';

/** Async action ids (0.17 `AsyncAction`): the u64 at the start of every event. */
export const ASYNC_ACTION = {
  printf: 0,
  system: 10000,
  cat: 20000,
  exit: 30000,
  print: 30001,
  clear: 30002,
  zero: 30003,
  time: 30004,
  join: 30005,
  helperError: 30006,
  printNonMap: 30007,
} as const;

/** join() reads at most this many argv entries (0.17). */
export const JOIN_ARGS = 16;
/**
 * STACK_TRACE map entries. 0.17 uses 128K; the kernel preallocates every entry
 * (value_size × entries, about 130 MB for 127 frames), so bpfq keeps 16K: a job service runs
 * many sessions, and the ids only have to outlive one run.
 */
export const STACK_MAP_ENTRIES = 16384;

export type AggregateKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist';

export interface UserMap {
  info: MapInfo;
  artifact: MapArtifact;
  /** Offsets of the key parts inside the key. */
  keyOffsets: number[];
  /** Bytes of the user key (0 for a scalar map). */
  userKeySize: number;
  /** hist/lhist bucket or avg/stats index: an extra u64 after the user key. */
  indexed: boolean;
  /** Keyless count(): a one-entry PERCPU_ARRAY keyed by u32 0. */
  arrayKey: boolean;
  aggregate?: AggregateKind;
}

export interface Resources {
  /** Every map in artifact order; `print`/`clear`/`zero` events carry the index. */
  maps: MapArtifact[];
  userMaps: Map<string, UserMap>;
  eventsMap: string;
  scratchMap: string;
  elapsedMap?: string;
  /**
   * Stack map name by frame limit. 0.17 makes one per (limit, mode); the mode only changes how
   * user space prints the frames, so one map per depth holds the same ids.
   */
  stackMaps: Map<number, string>;
  printf: FormatSpec[];
  system: FormatSpec[];
  cat: FormatSpec[];
  time: string[];
  strftime: string[];
  join: Artifact['join'];
  printValue: SizedType[];
  /** Per call site: its id in the table of its kind. */
  callIds: Map<Call, number>;
}

function kernelName(name: string): string {
  // The kernel keeps 15 characters of a map name (BPF_OBJ_NAME_LEN includes the NUL).
  return name.slice(0, 15);
}

function aggregateKind(t: SizedType): AggregateKind | undefined {
  switch (t.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return t.kind;
    default:
      return undefined;
  }
}

/**
 * A user map as bpftrace 0.17 lays it out (§4.2), except min/max: their per-CPU value is
 * 16 bytes {i64 value; u64 is_set} (bpftrace 0.22's fix), so a CPU that never saw a value
 * is skipped and negative or large values are kept. worker/output/decode-map.ts reads both.
 */
function userMapArtifact(
  info: MapInfo,
  mapKeysMax: number,
  sizeOfType: (t: SizedType) => number,
): UserMap {
  const aggregate = aggregateKind(info.value);
  const { offsets, size } = keyLayout(info.key);
  const indexed =
    aggregate === 'hist' || aggregate === 'lhist' || aggregate === 'avg' || aggregate === 'stats';
  const arrayKey = aggregate === 'count' && info.key.length === 0;
  const keySize = arrayKey ? 4 : (info.key.length === 0 && !indexed ? 8 : size) + (indexed ? 8 : 0);
  let valueSize = 8;
  if (aggregate === 'min' || aggregate === 'max') valueSize = 16;
  else if (aggregate === undefined) valueSize = Math.max(1, sizeOfType(info.value));
  const artifact: MapArtifact = {
    name: info.name,
    kernelName: kernelName(`AT_${info.name.slice(1)}`),
    role: 'user',
    type: arrayKey ? 'percpu_array' : aggregate !== undefined ? 'percpu_hash' : 'hash',
    keySize,
    valueSize,
    maxEntries: arrayKey ? 1 : mapKeysMax,
    flags: 0,
    key: info.key,
    value: info.value,
  };
  return {
    info,
    artifact,
    keyOffsets: offsets,
    userKeySize: size,
    indexed,
    arrayKey,
    ...(aggregate === undefined ? {} : { aggregate }),
  };
}

function formatSpec(format: string, args: readonly Expr[]): FormatSpec {
  const layout = eventLayout(args.map((a) => a.type ?? { kind: 'none' }));
  return {
    format,
    args: layout.types.map((type, i) => ({ type, offset: layout.offsets[i] ?? 0 })),
    size: layout.size,
  };
}

export function runResources(
  program: CheckedProgram,
  host: CompilerHost,
  sizeOfType: (t: SizedType) => number,
): Resources {
  const userMaps = new Map<string, UserMap>();
  const sorted = [...program.maps.values()].sort((a, b) =>
    a.name === b.name ? 0 : `AT_${a.name.slice(1)}` < `AT_${b.name.slice(1)}` ? -1 : 1,
  );
  for (const info of sorted)
    userMaps.set(info.name, userMapArtifact(info, program.config.mapKeysMax, sizeOfType));

  const r: Resources = {
    maps: [...userMaps.values()].map((m) => m.artifact),
    userMaps,
    eventsMap: 'events',
    scratchMap: 'scratch',
    stackMaps: new Map(),
    printf: [],
    system: [],
    cat: [],
    time: [],
    strftime: [],
    join: [],
    printValue: [],
    callIds: new Map(),
  };
  r.maps.push({
    name: 'events',
    kernelName: 'printf',
    role: 'events',
    type: 'perf_event_array',
    keySize: 4,
    valueSize: 4,
    maxEntries: Math.max(1, host.ncpus()),
    flags: 0,
  });

  const stackLimits = new Set<number>();
  for (const probe of program.probes) {
    forEachExpr(probe, (e) => {
      if (e.type?.kind === 'kstack' || e.type?.kind === 'ustack') stackLimits.add(e.type.limit);
      if (e.kind !== 'call' || r.callIds.has(e)) return;
      const fmt = e.args[0]?.kind === 'string' ? e.args[0].value : '';
      switch (e.name) {
        case 'printf':
          r.callIds.set(e, r.printf.push(formatSpec(fmt, e.args.slice(1))) - 1);
          break;
        case 'system':
          r.callIds.set(e, r.system.push(formatSpec(fmt, e.args.slice(1))) - 1);
          break;
        case 'cat':
          r.callIds.set(e, r.cat.push(formatSpec(fmt, e.args.slice(1))) - 1);
          break;
        case 'time':
          r.callIds.set(e, r.time.push(e.args.length > 0 ? fmt : '%H:%M:%S\n') - 1);
          break;
        case 'strftime':
          r.callIds.set(e, r.strftime.push(fmt) - 1);
          break;
        case 'join': {
          const sep = e.args[1]?.kind === 'string' ? e.args[1].value : ' ';
          r.callIds.set(
            e,
            r.join.push({ separator: sep, argSize: program.config.strlen, argCount: JOIN_ARGS }) -
              1,
          );
          break;
        }
        case 'print': {
          const arg = e.args[0];
          if (arg && !(arg.kind === 'map' && arg.keys.length === 0)) {
            r.callIds.set(e, r.printValue.push(arg.type ?? { kind: 'none' }) - 1);
          }
          break;
        }
        default:
          break;
      }
    });
  }
  for (const limit of [...stackLimits].sort((a, b) => a - b)) {
    const name = `stack_${limit}`;
    r.stackMaps.set(limit, name);
    r.maps.push({
      name,
      kernelName: kernelName(name),
      role: 'stack',
      type: 'stack_trace',
      keySize: 4,
      valueSize: limit * 8,
      maxEntries: STACK_MAP_ENTRIES,
      flags: 0,
    });
  }
  if (program.needs.elapsed) {
    r.elapsedMap = 'elapsed';
    // 0.17's layout: a one-entry hash keyed by u64 0; user space stores the start time.
    r.maps.push({
      name: 'elapsed',
      kernelName: 'elapsed',
      role: 'elapsed',
      type: 'hash',
      keySize: 8,
      valueSize: 8,
      maxEntries: 1,
      flags: 0,
    });
  }
  return r;
}
