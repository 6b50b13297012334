// A JobRunner for tests about the queueing side (auth, queueing, cancel, SSE plumbing,
// results storage): it runs no BPF. It prints one printf line per entry of `lines` every
// `everyMs`, then waits for the job's duration or an abort, and ends with a map dump, as a
// real session's records would come. Tests that claim tracing behaviour use kernelRunner.
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  JobRunner,
  TraceHooks,
  TraceOutcome,
  TraceRequest,
} from '../../worker/service/job-runner.js';

export interface ScriptedRunnerOptions {
  lines?: string[];
  everyMs?: number;
  /** Every run, for assertions (how many times a job ran). */
  runs?: TraceRequest[];
  /** The first this-many runs throw a plain Error, as a transient kernel failure would. */
  failFirst?: number;
  /** Also dump a keyed map `@big` with this many entries at exit. Default none. */
  bigMapEntries?: number;
}

export function scriptedRunner(o: ScriptedRunnerOptions = {}): JobRunner {
  let runCount = 0;
  return {
    async run(request: TraceRequest, hooks: TraceHooks): Promise<TraceOutcome> {
      o.runs?.push(request);
      runCount += 1;
      if (runCount <= (o.failFirst ?? 0)) throw new Error('transient: EBUSY');
      const started = Date.now();
      hooks.onOutput({ type: 'attached_probes', probes: 1 });
      hooks.onAttached(1);
      for (const line of o.lines ?? []) {
        if (hooks.signal.aborted) break;
        hooks.onOutput({ type: 'printf', text: line });
        await sleep(o.everyMs ?? 10);
      }
      const left = request.durationSeconds * 1000 - (Date.now() - started);
      if (left > 0 && !hooks.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          hooks.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      hooks.onOutput({ type: 'end' });
      hooks.onOutput({
        type: 'map',
        map: {
          name: '@lines',
          kind: 'count',
          keyed: false,
          entries: [{ key: [], value: { t: 'int', v: String(o.lines?.length ?? 0) } }],
        },
      });
      if (o.bigMapEntries !== undefined) {
        hooks.onOutput({
          type: 'map',
          map: {
            name: '@big',
            kind: 'count',
            keyed: true,
            entries: Array.from({ length: o.bigMapEntries }, (_, i) => ({
              key: [{ t: 'str' as const, v: `key-${i}` }],
              value: { t: 'int' as const, v: String(i) },
            })),
          },
        });
      }
      return {
        end: hooks.signal.aborted ? 'signal' : 'duration',
        attachedProbes: 1,
        lostEvents: 0,
        elapsedMs: Date.now() - started,
      };
    },
    async listProbes(search: string): Promise<string[]> {
      return ['tracepoint:syscalls:sys_enter_read', 'tracepoint:syscalls:sys_enter_write'].filter(
        (p) => p.includes(search.replace(/\*/g, '')),
      );
    },
  };
}
