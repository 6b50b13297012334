// Long synchronous stretches (loading hundreds of programs, attaching hundreds of probes through
// synchronous koffi calls) would keep the event loop from running anything else: in the job
// service that is the job's lease refresh, BullMQ's lock renewal and the worker's heartbeat,
// and a worker that misses those looks lost while it works. A TimeSlicer lets such a loop give
// the event loop a turn (setImmediate: timers and I/O run, then the loop continues) once it has
// held the thread for a slice.

/** Default slice: short next to any lease or heartbeat period, long next to one syscall. */
export const DEFAULT_SLICE_MS = 10;

export interface TimeSlicer {
  /** Yields to the event loop when the current slice is used up; otherwise resolves at once. */
  pause(): Promise<void>;
  /** How many times pause() actually yielded (tests and -v report it). */
  readonly yields: number;
}

export function timeSlicer(sliceMs = DEFAULT_SLICE_MS): TimeSlicer {
  let sliceStart = performance.now();
  let yields = 0;
  return {
    async pause() {
      if (performance.now() - sliceStart < sliceMs) return;
      yields++;
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    },
    get yields() {
      return yields;
    },
  };
}
