// What `bpfq submit --wait` shows while it waits. On a terminal: one progress line (elapsed
// time against the job's duration, and its status) redrawn in place, with the program's
// output printed above it. Anywhere else (CI logs, pipes): plain lines, each with a UTC
// timestamp, and no control characters at all, so logs stay greppable and diff cleanly.
import type { Job } from './job.js';
import { formatDuration } from './duration.js';

export interface Sink {
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Where the display goes (stderr, so stdout keeps only the result). */
  out: Sink;
  /** True on a terminal: redraw in place. */
  tty: boolean;
  /** The job's trace duration, for the bar. */
  durationSeconds: number;
  /** Terminal width; default 80. */
  columns?: number;
  /** Clock, for tests; default Date.now. */
  now?: () => number;
}

const BAR = 30;

export class ProgressDisplay {
  private status = 'submitted';
  private runningSince: number | undefined;
  private pendingOutput = '';
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: ProgressOptions,
    private readonly jobId: string,
  ) {
    this.now = options.now ?? Date.now;
    if (options.tty) {
      this.timer = setInterval(() => this.redraw(), 250);
      this.timer.unref();
    }
  }

  job(job: Job): void {
    if (job.status === this.status) return;
    this.status = job.status;
    if (job.status === 'running' && this.runningSince === undefined) this.runningSince = this.now();
    if (this.options.tty) this.redraw();
    else this.line(`job ${this.jobId} ${job.status}${job.node ? ` on ${job.node}` : ''}`);
  }

  /** Output text as it arrives; may hold several lines or part of one. */
  output(text: string): void {
    this.pendingOutput += text;
    const lines = this.pendingOutput.split('\n');
    this.pendingOutput = lines.pop() ?? '';
    for (const l of lines) this.outputLine(l);
  }

  note(message: string): void {
    if (this.options.tty) {
      this.clear();
      this.options.out.write(`${message}\n`);
      this.redraw();
    } else {
      this.line(message);
    }
  }

  /** Flushes a partial output line and leaves the terminal on a fresh line. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.pendingOutput !== '') this.outputLine(this.pendingOutput);
    this.pendingOutput = '';
    if (this.options.tty && this.drawn) {
      this.redraw();
      this.options.out.write('\n');
      this.drawn = false;
    }
  }

  private outputLine(text: string): void {
    if (this.options.tty) {
      this.clear();
      this.options.out.write(`${text}\n`);
      this.redraw();
    } else {
      this.line(`| ${plain(text)}`);
    }
  }

  private line(text: string): void {
    const stamp = new Date(this.now()).toISOString();
    this.options.out.write(`${stamp} ${plain(text)}\n`);
  }

  private clear(): void {
    // Carriage return, then "erase whole line" (ECMA-48 EL 2).
    if (this.drawn) this.options.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  private redraw(): void {
    if (!this.options.tty) return;
    const total = this.options.durationSeconds * 1000;
    const elapsed =
      this.runningSince === undefined ? 0 : Math.min(total, this.now() - this.runningSince);
    const filled = total > 0 ? Math.round((elapsed / total) * BAR) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
    const text = `${bar} ${clock(elapsed)}/${clock(total)} ${this.status} job ${this.jobId}`;
    const width = (this.options.columns ?? 80) - 1;
    this.options.out.write(`\r\x1b[2K${text.slice(0, Math.max(10, width))}`);
    this.drawn = true;
  }
}

/** Whole seconds for the bar: it is redrawn four times a second, milliseconds would flicker. */
function clock(ms: number): string {
  return ms < 1000 ? '0s' : formatDuration(Math.floor(ms / 1000) * 1000);
}

/** Makes text safe for a log: tabs become spaces, other control characters become \xNN. */
export function plain(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\t') out += ' '.repeat(8 - (out.length % 8));
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0))
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
