// `-c CMD`: the traced command, started before the program is compiled (its pid is `cpid`)
// but held until every probe is attached, as bpftrace 0.17 holds its child. Node cannot fork
// without exec, so a shell waits and then execs the command in the same process: the pid the
// probes see is the command's.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SessionChild } from './session.js';

export class ChildError extends Error {}

/** bpftrace 0.17 splits -c's text on spaces (no shell quoting) and finds argv[0] in PATH. */
export function commandArgv(command: string): string[] {
  const argv = command.split(/\s+/).filter((s) => s !== '');
  if (argv.length === 0) throw new ChildError('the -c command is empty');
  return argv;
}

export function resolveCommand(
  name: string,
  path = process.env['PATH'] ?? '/usr/bin:/bin',
): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}

export interface SpawnedChild extends SessionChild {
  /** Exit status once exited (128 + signal for a signal). */
  status(): number | undefined;
}

/**
 * Starts CMD held before its exec: the shell blocks reading a pipe from us (as bpftrace 0.17's
 * child blocks reading a pipe from its parent) and execs CMD when release() writes to it. If
 * bpfq dies first, the pipe closes, the read fails and the shell exits without running CMD, so
 * no held child outlives us.
 */
export async function spawnStoppedChild(command: string): Promise<SpawnedChild> {
  const [name, ...rest] = commandArgv(command);
  const path = resolveCommand(name!);
  if (path === undefined)
    throw new ChildError(
      `Failed to fork child: path '${name}' does not exist or is not executable`,
    );
  const child = spawn(
    '/bin/sh',
    ['-c', 'read -r _ <&3 || exit 127; exec "$0" "$@" 3<&-', path, ...rest],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    },
  );
  const pid = child.pid;
  const gate = child.stdio[3];
  if (pid === undefined || !gate || !('write' in gate))
    throw new ChildError(`Failed to spawn child: ${command}`);
  let status: number | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status =
        code ??
        128 +
          (signal
            ? (({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 } as Record<string, number>)[signal] ?? 0)
            : 0);
      resolve();
    });
  });
  child.once('error', () => {});
  gate.on('error', () => {});
  let released = false;
  return {
    pid,
    exited,
    status: () => status,
    release() {
      if (released) return;
      released = true;
      gate.end('\n');
    },
    terminate() {
      if (status !== undefined) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      if (!released) gate.destroy();
    },
  };
}
