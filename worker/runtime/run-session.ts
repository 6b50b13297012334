// One tracing session, in bpftrace 0.17's order (BPFtrace::run): create maps and load programs,
// seed `elapsed`, print `Attaching N probes...`, run BEGIN, attach every other probe in
// declaration order, release a -c child, then poll the event buffers every 100 ms until exit(),
// a signal, the duration, or the end of the traced process. Then detach, run END, drain the
// buffers, write the "\n\n" and print every map in name order. Teardown runs in `finally` in
// the exact reverse order of setup, whatever failed.
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import type { Artifact, MapArtifact } from '../../compiler/artifact.js';
import {
  decodeEvent,
  decodeMap,
  exitOrder,
  noSymbols,
  OUTPUT_VERSION,
  type DecodeContext,
  type DecodedEvent,
  type OutputRecord,
} from '../output/index.js';
import { textOf } from '../output/bytes.js';
import { attachProgram, type Attachment } from '../attach/index.js';
import { AttachError } from '../attach/attach-error.js';
import { checkKprobeSupport } from '../attach/kprobe.js';
import { EventReader } from '../libbpf/event-reader.js';
import { BpfError, NotSupportedError } from '../libbpf/errors.js';
import { testRunProgram } from '../libbpf/program.js';
import {
  loadArtifactSliced,
  type LoadedArtifact,
  type LoadedProgram,
} from '../loader/load-artifact.js';
import { readRawEntries, readStack } from './map-reader.js';
import type { SessionEnd, SessionOptions, SessionResult } from './session.js';
import type { LiveSymbolizer } from '../symbols/live-symbolizer.js';
import { symbolNeeds } from './symbol-needs.js';
import { CAT_BYTES_MAX, catFile } from './cat-file.js';
import { timeSlicer } from './time-slice.js';

const DEFAULT_POLL_MS = 100;

/** `print(@m)` and the exit dump: read the map now and decode it in 0.17's order. */
function mapRecord(
  loaded: LoadedArtifact,
  spec: MapArtifact,
  ctx: DecodeContext,
  top = 0,
  div = 0,
): OutputRecord | undefined {
  const map = loaded.map(spec.name);
  if (!map) return undefined;
  const value = decodeMap(loaded.artifact, spec, readRawEntries(map), ctx);
  const record: OutputRecord = { type: 'map', map: value };
  if (top > 0) record.top = top;
  if (div > 1) record.div = div;
  return record;
}

/** A zombie counts as gone: its parent may not have reaped it yet, but it traces nothing. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * The -c child is a shell until it execs the command; its user symbols are worth keeping
 * only after that. Waits a little for the exec to have mapped the new binary (the kernel
 * switches /proc/PID/exe before it maps the segments), then snapshots the process, so its
 * stacks and usym() still resolve if it exits before its events are read.
 */
async function rememberAfterExec(live: LiveSymbolizer, pid: number): Promise<void> {
  // The holding shell is /bin/sh (see child.ts); by now it may already have exec'd.
  let shell: string;
  try {
    shell = realpathSync('/bin/sh');
  } catch {
    shell = '/bin/sh';
  }
  for (let i = 0; i < 100; i++) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      if (exe !== shell && readFileSync(`/proc/${pid}/maps`, 'utf8').includes(exe)) break;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  live.rememberProcess(pid);
}

export async function runSession(
  artifact: Artifact,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const started = Date.now();
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const keep = options.keepRecords ?? true;
  const records: OutputRecord[] = [];
  const log = options.onLog ?? (() => {});
  const catBytesMax = options.catBytesMax ?? CAT_BYTES_MAX;
  let lostEvents = 0;

  const emit = (record: OutputRecord): void => {
    if (keep) records.push(record);
    options.onOutput?.(record);
  };

  // 0.17 prints this before loading anything (it loads each program as it attaches it), so
  // it shows even when a program is then rejected or fails to attach.
  if (!options.quiet) emit({ type: 'attached_probes', probes: artifact.probeCount });

  // Kernel features first: a probe the kernel cannot run fails before anything is created.
  for (const p of artifact.programs) {
    try {
      checkKprobeSupport(p.name, p.attach);
    } catch (e) {
      throw new AttachError(p.name, e instanceof Error ? e.message : String(e), e);
    }
  }

  // Symbols: kallsyms is read before our programs exist, as 0.17 reads it (its tie order
  // between equal addresses depends on every entry), and only when something prints one.
  const needs = symbolNeeds(artifact);
  // The symbol code (ELF, DWARF, demangling) loads only for programs that print symbols.
  const live =
    options.symbolizer === undefined && (needs.kernel || needs.user)
      ? (await import('../symbols/live-symbolizer.js')).liveSymbolizer()
      : undefined;
  const symbolizer = options.symbolizer ?? live ?? noSymbols;
  if (live && needs.kernel && live.loadKernelSymbols().hidden) {
    log(
      'WARNING: /proc/kallsyms shows this process no kernel addresses (kptr_restrict; ' +
        'CAP_SYSLOG lifts it): kernel stacks and ksym() print addresses without names',
    );
  }
  const traced = options.pid ?? options.child?.pid;
  let remembered = 0;
  const rememberTraced = (): void => {
    // User stacks of the traced process must resolve after it exits: keep its mappings.
    if (!live || !needs.user || traced === undefined || Date.now() - remembered < 500) return;
    remembered = Date.now();
    live.rememberProcess(traced);
  };

  let loaded: LoadedArtifact | undefined;
  let reader: EventReader | undefined;
  const attachments: Attachment[] = [];
  /** Detaches everything attached so far, newest first; the kernel's waits overlap. */
  const detachAll = async (): Promise<void> => {
    const newestFirst = attachments.splice(0).reverse();
    await Promise.all(
      newestFirst.map((a) =>
        a.detach().catch((e: unknown) => {
          log(`warning: detaching ${a.probe}: ${e instanceof Error ? e.message : String(e)}`);
        }),
      ),
    );
  };

  let end: SessionEnd | undefined;
  /** exit() was handled: later events are dropped until END runs (0.17's finalize_). */
  let dropEvents = false;
  const timers: NodeJS.Timeout[] = [];
  let childExited = false;
  let wake: (() => void) | undefined;

  const stop = (why: SessionEnd): void => {
    if (end !== undefined) return;
    end = why;
    wake?.();
  };

  // Loading and attaching hundreds of programs is a long run of synchronous kernel calls: give
  // the event loop a turn every few ms, so a worker's lease and heartbeat timers keep running.
  const slicer = timeSlicer();
  try {
    loaded = await loadArtifactSliced(artifact, {
      verbose: options.verbose ?? false,
      pause: () => slicer.pause(),
    });
    const session = loaded;
    if (options.verbose) {
      for (const p of loaded.programs) {
        if (p.log !== '') log(`${p.artifact.name}: verifier log\n${p.log.trimEnd()}`);
      }
    }

    const ctx: DecodeContext = {
      symbolizer,
      readStack: (stack, id) => readStack(session, stack, id),
    };

    const printAllMaps = (): void => {
      for (const m of exitOrder(artifact.maps)) {
        const r = mapRecord(session, m, ctx);
        if (r) emit(r);
      }
    };
    let printMapsRequested = false;

    const handle = (event: DecodedEvent): void => {
      switch (event.kind) {
        case 'output':
          emit(event.record);
          return;
        case 'exit':
          // 0.17 detaches right here; the poll loop ends on `stop` and detaches before
          // anything else happens, and events until then are dropped as 0.17 drops them.
          dropEvents = true;
          options.child?.terminate();
          stop('exit');
          return;
        case 'print_map': {
          const r = mapRecord(session, event.map, ctx, event.top, event.div);
          if (r) emit(r);
          return;
        }
        case 'clear':
          session.map(event.map.name)?.clear();
          return;
        case 'zero':
          session.map(event.map.name)?.zero();
          return;
        case 'system': {
          if (!options.unsafe) return;
          let out = '';
          try {
            out = execFileSync('/bin/sh', ['-c', event.command], {
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'inherit'],
            });
          } catch (e) {
            out = String((e as { stdout?: unknown }).stdout ?? '');
          }
          emit({ type: 'syscall', text: out });
          return;
        }
        case 'cat': {
          const r = catFile(event.path, catBytesMax);
          // 0.17 reports a file it cannot read on stderr and still writes an empty cat record
          // (nothing in text, `{"type": "cat", "data": ""}` in JSON).
          if (!r.ok) log(`ERROR: ${r.message}`);
          emit({ type: 'cat', text: r.ok ? textOf(r.bytes) : '' });
          return;
        }
      }
    };

    const events = artifact.maps.find((m) => m.role === 'events');
    if (events) {
      const map = loaded.map(events.name)!;
      reader = EventReader.open(map.fd, events.type === 'ringbuf' ? 'ring' : 'perf', {
        pages: artifact.config.perfRbPages,
        onSample: (data) => {
          if (dropEvents) return;
          handle(decodeEvent(artifact, data, ctx));
        },
        onLost: (count) => {
          lostEvents += count;
          emit({ type: 'lost_events', events: count });
        },
      });
    }

    // `elapsed` counts from here: user space seeds the start time (CLOCK_MONOTONIC, the
    // clock bpf_ktime_get_ns reads; Node's hrtime reads the same clock on Linux).
    const elapsed = artifact.maps.find((m) => m.role === 'elapsed');
    if (elapsed) {
      const key = Buffer.alloc(elapsed.keySize);
      const value = Buffer.alloc(elapsed.valueSize);
      value.writeBigUInt64LE(process.hrtime.bigint());
      loaded.map(elapsed.name)!.update(key, value);
    }

    const begin = loaded.programs.find((p) => p.artifact.attach.kind === 'begin');
    const endProgram = loaded.programs.find((p) => p.artifact.attach.kind === 'end');
    if (begin) testRunProgram(begin.fd);

    // USDT and watchpoints attach to the -p process, or to the -c child (0.17's targeting).
    const target = options.pid ?? options.child?.pid;
    const attachCtx = target !== undefined ? { pid: target, onLog: log } : { onLog: log };
    for (const p of attachOrder(loaded.programs)) {
      attachments.push(await attachOne(p, attachCtx));
      if (options.verbose)
        for (const d of attachments[attachments.length - 1]!.details)
          log(`${p.artifact.name}: ${d}`);
      await slicer.pause();
    }

    // Stop conditions other than exit(): each wakes the poll loop.
    const onAbort = (): void => stop('signal');
    if (options.signal) {
      if (options.signal.aborted) stop('signal');
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }
    if (options.durationMs !== undefined) {
      timers.push(setTimeout(() => stop('duration'), options.durationMs));
    }
    if (options.child) {
      void options.child.exited.then(() => {
        childExited = true;
      });
      // BEGIN's events first: 0.17 prints them before the child can write anything.
      reader?.consume();
      options.onFlush?.();
      options.child.release();
      // Not awaited: the poll loop must start at once, events resolve symbols as they come.
      if (live && needs.user) void rememberAfterExec(live, options.child.pid).catch(() => {});
    }

    if (options.verbose) log(`${attachments.length} probes attached; tracing`);
    options.onStarted?.({
      printMaps: () => {
        printMapsRequested = true;
        wake?.();
      },
    });

    try {
      // The poll loop: bpftrace checks the traced process after each poll.
      while (end === undefined) {
        if (reader) await reader.poll(pollMs);
        else
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        wake = undefined;
        rememberTraced();
        if (printMapsRequested) {
          printMapsRequested = false;
          printAllMaps();
        }
        if (childExited) stop('child-exited');
        if (options.pid !== undefined && !isAlive(options.pid)) stop('pid-exited');
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }

    // 0.17 waits for an empty 100 ms poll after detaching and again after END. Neither wait
    // can bring anything new: detaching (closing the perf events) returns only once no
    // program runs any more, and END's test run is synchronous, so every event is already in
    // the buffers. Reading them at once prints the same output 200 ms sooner.
    await detachAll();
    reader?.consume(); // after exit() these are dropped, as 0.17 drops them
    if (end !== 'exit') options.child?.terminate();
    dropEvents = false;
    if (endProgram) testRunProgram(endProgram.fd);
    reader?.consume();

    emit({ type: 'end' });
    printAllMaps();

    return {
      output: { format: 'bpfq-output', version: OUTPUT_VERSION, records },
      end: end ?? 'signal',
      attachedProbes: artifact.probeCount,
      lostEvents,
      elapsedMs: Date.now() - started,
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await detachAll();
    if (reader) await reader.close();
    loaded?.close();
  }
}

/**
 * The kernel runs the programs on one uprobe (or kprobe, watchpoint) newest first, and those on
 * one tracepoint or perf event oldest first. bpftrace 0.17 attaches the first kind in reverse
 * declaration order, then the second kind in order, so that blocks on the same event run in
 * the order they are written; so does bpfq.
 */
export function attachOrder(programs: readonly LoadedProgram[]): LoadedProgram[] {
  const runsNewestFirst = (p: LoadedProgram): boolean => {
    switch (p.artifact.attach.kind) {
      case 'kprobe':
      case 'kretprobe':
      case 'kfunc':
      case 'kretfunc':
      case 'uprobe':
      case 'uretprobe':
      case 'usdt':
      case 'watchpoint':
        return true;
      default:
        return false;
    }
  };
  const attached = programs.filter(
    (p) => p.artifact.attach.kind !== 'begin' && p.artifact.attach.kind !== 'end',
  );
  return [
    ...attached.filter(runsNewestFirst).reverse(),
    ...attached.filter((p) => !runsNewestFirst(p)),
  ];
}

async function attachOne(
  p: LoadedProgram,
  ctx: { pid?: number; onLog: (line: string) => void },
): Promise<Attachment> {
  try {
    return await attachProgram(
      {
        name: p.artifact.name,
        fd: p.fd,
        attach: p.artifact.attach,
        expectedAttachType: p.expectedAttachType,
      },
      ctx,
    );
  } catch (e) {
    if (e instanceof AttachError) throw e;
    const reason =
      e instanceof BpfError || e instanceof NotSupportedError
        ? e.message
        : e instanceof Error
          ? e.message
          : String(e);
    throw new AttachError(p.artifact.name, reason, e);
  }
}
