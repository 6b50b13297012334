// The API's own logger when its caller passes none (`bpfq api`, `bpfq serve`): pino at info
// to stdout, written asynchronously. A synchronous destination costs one write(2) per line
// on the event loop, i.e. per request; sonic-boom's async mode writes a line at once when no
// write is in flight and, under load, joins the lines that arrive meanwhile into the next
// write. pino flushes what is pending when the process exits (also on an uncaught exception);
// only a SIGKILL can lose the last lines.
import { pino, type Logger } from 'pino';

export interface ApiLoggerOptions {
  /** pino level. Default `info`. */
  level?: string;
  /** A file descriptor or path. Default 1 (stdout). */
  destination?: number | string;
}

export function apiLogger(options: ApiLoggerOptions = {}): Logger {
  return pino(
    { name: 'bpfq-api', level: options.level ?? 'info' },
    pino.destination({ dest: options.destination ?? 1, sync: false }),
  );
}
