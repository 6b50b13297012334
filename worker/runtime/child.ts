// `-c CMD`: the traced command, started before the program is compiled (its pid is `cpid`)
// but held stopped until every probe is attached, as bpftrace 0.17 holds its child. Node cannot
// fork without exec, so a shell stops itself and then execs the command in the same process:
// the pid the probes see is the command's.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SessionChild } from './session.js';

export class ChildError extends Error {}

/** bpftrace 0.17 splits -c's text on spaces (no shell quoting) and finds argv[0] in PATH. */
export function commandArgv(command: string): string[] {
  const argv = command.split(/\s+/).filter((s) => s !== '');
  if (argv.length === 0) throw new ChildError('the -c command is empty');
  return argv;
}

export function resolveCommand(name: string, path = process.env['PATH'] ?? '/usr/bin:/bin'): string | undefined {
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

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export interface SpawnedChild extends SessionChild {
  /** Exit status once exited (128 + signal for a signal). */
  status(): number | undefined;
}

/** Starts CMD stopped (state T) and resolves once it is. */
export async function spawnStoppedChild(command: string): Promise<SpawnedChild> {
  const [name, ...rest] = commandArgv(command);
  const path = resolveCommand(name!);
  if (path === undefined) throw new ChildError(`Failed to find executable: ${name}`);
  const child = spawn('/bin/sh', ['-c', 'kill -STOP $$; exec "$0" "$@"', path, ...rest], {
    stdio: ['inherit', 'inherit', 'inherit'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new ChildError(`Failed to spawn child: ${command}`);
  let status: number | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = code ?? 128 + (signal ? (({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }) as Record<string, number>)[signal] ?? 0 : 0);
      resolve();
    });
  });
  const deadline = Date.now() + 5000;
  while (processState(pid) !== 'T') {
    if (status !== undefined) throw new ChildError(`child exited before it could be traced: ${command}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ChildError(`child did not stop: ${command}`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  let released = false;
  return {
    pid,
    exited,
    status: () => status,
    release() {
      if (released) return;
      released = true;
      process.kill(pid, 'SIGCONT');
    },
    terminate() {
      if (status !== undefined) return;
      try {
        process.kill(pid, 'SIGTERM');
        if (!released) process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
    },
  };
}
