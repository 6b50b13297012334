// A real `bin/bpfq serve` (embedded redis-server, API on a free port, one worker) in a temp
// directory, for the CI client's end-to-end tests, and a runner for `bin/bpfq submit|jobs`
// as a child process, the way a CI job runs it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const bpfq = new URL('../../../bin/bpfq', import.meta.url).pathname;

export interface Served {
  url: string;
  token: string;
  dir: string;
  /** Stops serve (SIGINT, as Ctrl-C) and removes its data. */
  stop(): Promise<void>;
}

export async function startServe(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfq-submit-e2e-'));
  const token = `adm-${randomBytes(12).toString('hex')}`;
  const child = spawn(bpfq, ['serve'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      BPFQ_DATA_DIR: dir,
      BPFQ_ADMIN_TOKEN: token,
      BPFQ_NODE: 'submit-e2e',
      BPFQ_PREFIX: `s${randomBytes(4).toString('hex')}`,
      REDIS_URL: '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bpfq serve did not start in 30s:\n${log}`)),
      30_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /API on (http:\/\/\S+)\/v1/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bpfq serve exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    token,
    dir,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Called with stderr as it grows (to start a load once the job runs). */
  onStderr?: (soFar: string) => void;
}

/** Runs bin/bpfq with ARGS, without a terminal (pipes), to its exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bpfq, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      options.onStderr?.(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The BPF programs and links loaded on this machine right now (`prog:ID`, `link:ID`). */
export function loadedIds(): Set<string> {
  const ids = new Set<string>();
  for (const what of ['prog', 'link']) {
    const out = execFileSync('bpftool', [what, 'show', '-j'], { encoding: 'utf8' });
    for (const p of JSON.parse(out || '[]') as { id: number }[]) ids.add(`${what}:${p.id}`);
  }
  return ids;
}

/**
 * What is loaded now and was not before, allowing the kernel a moment: programs are freed
 * asynchronously after their last reference goes.
 */
export async function leftLoaded(before: Set<string>): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 15; i++) {
    left = [...loadedIds()].filter((id) => !before.has(id));
    if (left.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return left;
}
