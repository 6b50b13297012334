// `bin/bpfq worker` as a non-root user holding only the capabilities the worker container
// gets (docker/docker-compose.yml, read from the file), given to it as ambient capabilities
// through capsh: tracepoint, uprobe, uretprobe, USDT, profile and interval jobs, a job on a
// binary only its process's mount namespace holds, and kernel stacks with names must work
// through it. Each listed capability is then taken away in turn: without CAP_BPF,
// CAP_PERFMON or CAP_DAC_READ_SEARCH the worker refuses to start, naming it, within seconds
// (never a hang); without CAP_SYS_PTRACE the other-namespace job fails naming it; without
// CAP_SYSLOG kernel stacks come back as addresses with a warning naming it. Nothing of ours
// may stay loaded afterwards.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { needs } from '../support/needs.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../service/embedded-redis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bpfq = `${root}bin/bpfq`;
const NODE = 'capsh-test';
const USER = 'nobody';

/** The worker's cap_add list in the compose file, as capsh spells them (cap_bpf, ...). */
function composeWorkerCaps(): string[] {
  const compose = parse(readFileSync(`${root}docker/docker-compose.yml`, 'utf8')) as {
    services: Record<string, { cap_add?: string[] }>;
  };
  const caps = compose.services['worker']?.cap_add ?? [];
  assert.ok(caps.length > 0, 'the compose file lists no worker capabilities');
  return caps.map((c) => `cap_${c.toLowerCase()}`);
}

/**
 * The capabilities this test process may hand on: its bounding set. A sandbox may withhold
 * some; those are left out of the grant and reported, rather than failing on the machine
 * instead of the code (the tests that take one away still need it granted first).
 */
function grantable(): Set<string> {
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
  const decoded = execFileSync('capsh', [`--decode=${hex}`], { encoding: 'utf8' });
  return new Set(decoded.replace(/^.*=/, '').trim().split(','));
}

/** capsh: become USER keeping CAPS as ambient capabilities, then exec the worker. */
/**
 * Where USER can run bin/bpfq from. A checkout under a private directory (/root/...) is out
 * of its reach; then the built files are linked (or copied) into a world-readable temp dir.
 */
function workerRoot(scratch: string): string {
  const readable = (dir: string): boolean => {
    try {
      execFileSync('capsh', [`--user=${USER}`, '--', '-c', `test -r ${dir}dist/cli/main.js`], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  };
  if (readable(root)) return root;
  const copy = join(scratch, 'bpfq/');
  execFileSync('mkdir', ['-p', copy]);
  for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
    try {
      execFileSync('cp', ['-al', `${root}${part}`, copy], { stdio: 'ignore' });
    } catch {
      execFileSync('cp', ['-r', `${root}${part}`, copy]);
    }
  }
  assert.ok(readable(copy), `${USER} cannot read ${copy} either`);
  return copy;
}

let workerBpfq = bpfq;

function capshWorker(caps: string[], env: Record<string, string>): ChildProcess {
  const list = caps.join(',');
  return spawn(
    'capsh',
    [
      `--caps=cap_setpcap,cap_setuid,cap_setgid+ep ${list}+eip`,
      '--keep=1',
      `--user=${USER}`,
      `--addamb=${list}`,
      '--',
      '-c',
      `exec ${workerBpfq} worker`,
    ],
    {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves with stderr once it matches READY, rejects when the process exits or time runs out. */
function waitFor(child: ChildProcess, ready: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`no ${ready} within ${ms} ms:\n${log}`)), ms);
    child.stderr?.on('data', (c: Buffer) => {
      log += c.toString();
      if (ready.test(log)) {
        clearTimeout(timer);
        resolve(log);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`exited with ${code}:\n${log}`), { code, log }));
    });
  });
}

function exitOf(child: ChildProcess, ms: number): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${ms} ms (a hang):\n${log}`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function programIds(): Set<number> {
  const out = execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
  return new Set((JSON.parse(out) as { id: number }[]).map((p) => p.id));
}

const WORKLOAD = `
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((noinline)) int work(int i) { asm volatile("" ::: "memory"); return i * 2; }

int main(void) {
  /* Ends by itself after about two minutes, if the test never kills it. */
  for (int i = 0; i < 60000; i++) {
    work(i);
    DTRACE_PROBE1(bpfq, tick, i);
    syscall(SYS_getppid);
    usleep(2000);
  }
  return 0;
}
`;

describe(
  'bpfq worker under capsh with the compose file\u2019s capabilities',
  needs('root', 'bpf', 'tracefs', 'redis-server', 'cc'),
  () => {
    const listed = composeWorkerCaps();
    const bounding = grantable();
    const caps = listed.filter((c) => bounding.has(c));
    const withheld = listed.filter((c) => !bounding.has(c));
    let dir: string;
    let workload: string;
    let target: ChildProcess | undefined;
    let nsTarget: ChildProcess | undefined;
    let hiddenWorkload = '';
    let redis: EmbeddedRedis | undefined;
    let api: ChildProcess | undefined;
    let worker: ChildProcess | undefined;
    let env: Record<string, string>;
    let serviceEnv: Record<string, string>;
    let progsBefore: Set<number>;

    before(async (t) => {
      if (withheld.length > 0 && 'diagnostic' in t) {
        t.diagnostic(`not in this machine's bounding set, so not granted: ${withheld.join(', ')}`);
      }
      progsBefore = programIds();
      dir = mkdtempSync(join(tmpdir(), 'bpfq-capsh-'));
      chmodSync(dir, 0o755); // the worker's user must be able to reach what it traces
      workerBpfq = `${workerRoot(dir)}bin/bpfq`;
      writeFileSync(join(dir, 'workload.c'), WORKLOAD);
      workload = join(dir, 'workload');
      execFileSync('cc', ['-O1', '-g', '-o', workload, join(dir, 'workload.c')]);
      target = spawn(workload, [], { stdio: 'ignore' });
      // A second copy runs from a tmpfs mounted only in its own mount namespace, as a
      // container's binaries are: the host's ${dir}/ns stays empty.
      const nsDir = join(dir, 'ns');
      mkdirSync(nsDir, { mode: 0o755 });
      hiddenWorkload = join(nsDir, 'workload');
      nsTarget = spawn(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount -t tmpfs -o mode=0755 bpfq-ns ${nsDir} && cp ${workload} ${nsDir}/ && exec ${hiddenWorkload}`,
        ],
        { stdio: 'ignore' },
      );
      await waitUntil(() => {
        try {
          return readlinkSync(`/proc/${nsTarget?.pid}/exe`).endsWith('/ns/workload');
        } catch {
          return false;
        }
      }, 10_000);
      assert.ok(!existsSync(hiddenWorkload), 'the copy is visible on the host');

      redis = await startEmbeddedRedis({ dataDir: join(dir, 'redis') });
      const token = `adm-${randomBytes(12).toString('hex')}`;
      serviceEnv = {
        REDIS_URL: redis.url,
        BPFQ_PREFIX: `c${randomBytes(4).toString('hex')}`,
        BPFQ_NODE: NODE,
      };
      api = spawn(bpfq, ['api'], {
        env: {
          ...process.env,
          ...serviceEnv,
          PORT: '0',
          HOST: '127.0.0.1',
          BPFQ_ADMIN_TOKEN: token,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const apiLog = await waitFor(api, /listening on (http:\/\/\S+)/, 30_000);
      const url = /listening on (http:\/\/\S+)/.exec(apiLog)?.[1] ?? '';
      env = { BPFQ_SERVER: url, BPFQ_TOKEN: token };
      worker = capshWorker(caps, serviceEnv);
      await waitFor(worker, /ready/, 30_000);
    });

    after(async () => {
      await stop(worker);
      await stop(api);
      target?.kill('SIGKILL');
      nsTarget?.kill('SIGKILL');
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
      // Programs are freed asynchronously after their last fd closes: allow a moment.
      let left: number[] = [];
      for (let i = 0; i < 15; i++) {
        left = [...programIds()].filter((id) => !progsBefore.has(id));
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(left, [], 'BPF programs left loaded');
    });

    it('runs as a non-root user holding exactly the listed capabilities', () => {
      assert.ok(worker?.pid);
      const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      assert.equal(uid, Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim()));
      assert.notEqual(uid, 0);
      const eff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
      const decoded = execFileSync('capsh', [`--decode=${eff.toString(16)}`], { encoding: 'utf8' });
      const held = decoded.replace(/^.*=/, '').trim().split(',').sort();
      assert.deepEqual(held, [...caps].sort());
    });

    it('runs tracepoint, uprobe, uretprobe, USDT, profile and interval jobs to completion', async () => {
      // uprobes and USDT attach by uprobe_multi link on this kernel: CAP_BPF and CAP_PERFMON
      // are enough, where the uprobe PMU would have wanted CAP_SYS_ADMIN.
      const pid = String(target?.pid);
      const jobs: { kind: string; program: string; args?: string[] }[] = [
        { kind: 'tracepoint', program: 'tracepoint:syscalls:sys_enter_getppid { @n = count(); }' },
        { kind: 'uprobe', program: `uprobe:${workload}:work { @n = count(); }` },
        { kind: 'uretprobe', program: `uretprobe:${workload}:work { @n = count(); }` },
        {
          kind: 'uprobe with a pid',
          program: `uprobe:${workload}:work { @n = count(); }`,
          args: ['--pid', pid],
        },
        { kind: 'usdt', program: `usdt:${workload}:bpfq:tick { @n = count(); }` },
        { kind: 'profile', program: 'profile:hz:99 { @n = count(); }' },
        { kind: 'interval', program: 'interval:ms:100 { @n = count(); }' },
      ];
      const runs = await Promise.all(
        jobs.map(async ({ kind, program, args = [] }) => ({
          kind,
          ...(await submit(NODE, program, [...args, '--assert', '@n > 0'])),
        })),
      );
      const failed = runs
        .filter((r) => r.code !== 0)
        .map((r) => `${r.kind} job: exit ${r.code}\n${r.log}`);
      assert.deepEqual(failed, []);
      for (const r of runs) {
        assert.match(r.out, /^@n: [1-9]\d*$/m, r.kind);
      }
    });

    /** Submits PROGRAM (with ARGS) to NODE and waits for the submit command to end. */
    async function submit(
      node: string,
      program: string,
      args: string[] = [],
    ): Promise<{ code: number | null; out: string; log: string }> {
      const child = spawn(
        bpfq,
        [
          'submit',
          '-e',
          program,
          ...args,
          '--node',
          node,
          '--duration',
          '2s',
          '--wait',
          '-q',
          '--timeout',
          '60s',
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      const { code, log } = await exitOf(child, 90_000);
      return { code, out, log };
    }

    /** A worker on its own node with every listed capability but MISSING; stopped after BODY. */
    async function withWorkerWithout(
      missing: string,
      body: (node: string, log: () => string) => Promise<void>,
    ): Promise<void> {
      assert.ok(caps.includes(missing), `${missing} is not in the compose list`);
      const node = `${NODE}-without-${missing}`;
      const child = capshWorker(
        caps.filter((c) => c !== missing),
        { ...serviceEnv, BPFQ_NODE: node },
      );
      let log = '';
      child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      try {
        await waitFor(child, /ready/, 30_000);
        await body(node, () => log);
      } finally {
        await stop(child);
      }
    }

    // The two capabilities a worker starts without (saying so) must each be needed by some
    // job: with the whole list that job works, without the capability it fails or warns,
    // naming it.
    const hiddenBinaryJob = (): { program: string; args: string[] } => ({
      // The workload copy exists only in its own mount namespace: the worker reaches it
      // through /proc/PID/root, a ptrace-read check on a process of another user.
      program: `uprobe:${hiddenWorkload}:work { @n = count(); }`,
      args: ['--pid', String(nsTarget?.pid)],
    });
    const KSTACK = 'tracepoint:syscalls:sys_enter_getppid { @[kstack(2)] = count(); }';

    it('traces a binary in another mount namespace through /proc/PID/root, and names kernel frames', async () => {
      const { program, args } = hiddenBinaryJob();
      const ns = await submit(NODE, program, args);
      assert.equal(ns.code, 0, ns.log);
      assert.match(ns.out, /^@n: [1-9]\d*$/m);
      const k = await submit(NODE, KSTACK);
      assert.equal(k.code, 0, k.log);
      assert.match(k.out, /^ {4}[A-Za-z_][\w.]*\+\d+$/m, 'a kernel frame by name');
      assert.doesNotMatch(k.log, /CAP_SYSLOG/);
    });

    it('without CAP_SYS_PTRACE, fails that job naming the capability', async () => {
      await withWorkerWithout('cap_sys_ptrace', async (node, log) => {
        assert.match(log(), /without CAP_SYS_PTRACE jobs cannot trace another user's process/);
        const { program, args } = hiddenBinaryJob();
        const r = await submit(node, program, args);
        assert.equal(r.code, 2, `the job failed (exit 2):\n${r.log}`);
        assert.match(r.log, /needs CAP_SYS_PTRACE/);
        assert.match(r.log, new RegExp(`cannot read /proc/${nsTarget?.pid}/root`));
      });
    });

    it('without CAP_SYSLOG, completes a kstack job with addresses and a warning naming it', async () => {
      await withWorkerWithout('cap_syslog', async (node, log) => {
        assert.match(log(), /without CAP_SYSLOG jobs cannot read kernel symbol addresses/);
        const r = await submit(node, KSTACK);
        assert.equal(r.code, 0, r.log);
        assert.match(r.log, /^WARNING: .*kallsyms.*CAP_SYSLOG/m);
        assert.match(r.out, /^ {4}0x[0-9a-f]+$/m, 'kernel frames as addresses');
        assert.doesNotMatch(r.out, /^ {4}[A-Za-z_][\w.]*\+\d+$/m);
      });
    });

    for (const missing of ['cap_bpf', 'cap_perfmon', 'cap_dac_read_search']) {
      it(`refuses to start without ${missing.toUpperCase()}, naming it`, async () => {
        assert.ok(caps.includes(missing), `${missing} is not in the compose list`);
        const child = capshWorker(
          caps.filter((c) => c !== missing),
          { ...serviceEnv, BPFQ_NODE: `${NODE}-without-${missing}` },
        );
        const { code, log } = await exitOf(child, 20_000);
        assert.equal(code, 2, log);
        assert.match(log, new RegExp(`missing ${missing.toUpperCase()}\\b`));
        assert.match(log, new RegExp(`^bpfq worker: {3}${missing.toUpperCase()}: \\S`, 'm'));
      });
    }
  },
);
