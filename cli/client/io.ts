// The outside world of a client command, passed in so tests can run the commands in-process
// with captured output and a chosen environment.
import type { Sink } from './progress.js';

export interface CommandIo {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal (progress bar) or a log (timestamped lines). */
  readonly stderrIsTty: boolean;
  readonly columns: number | undefined;
  /** Reads all of standard input (for a program given as `-`). */
  readStdin(): Promise<string>;
}

export function processIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stderrIsTty: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
