// The API's own logger when its caller passes none (`bpfq api`, `bpfq serve`): pino at info
// to stdout, buffered and written asynchronously. A synchronous destination costs a write(2)
// per line on the event loop, i.e. per request, and blocks the API while a slow reader (a
// full pipe to a log shipper) holds stdout; an unbuffered asynchronous one costs a thread-pool
// round trip per line instead. Here lines collect until 4 KiB (about ten request lines) or for
// at most a second, then go out in one write off the event loop. pino flushes what is pending
// when the process exits (also on an uncaught exception); only a SIGKILL can lose the last
// second of lines.
import { pino, type Logger } from 'pino';

/** Lines are written once this many bytes are pending... */
const LOG_BUFFER_BYTES = 4096;
/** ...or this long after the last write, whichever comes first. */
const LOG_FLUSH_MS = 1000;

export interface ApiLoggerOptions {
  /** pino level. Default `info`. */
  level?: string;
  /** A file descriptor or path. Default 1 (stdout). */
  destination?: number | string;
}

export function apiLogger(options: ApiLoggerOptions = {}): Logger {
  return pino(
    { name: 'bpfq-api', level: options.level ?? 'info' },
    pino.destination({
      dest: options.destination ?? 1,
      sync: false,
      minLength: LOG_BUFFER_BYTES,
      periodicFlush: LOG_FLUSH_MS,
    }),
  );
}
