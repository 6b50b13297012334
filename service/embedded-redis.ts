// `bpfq serve` without REDIS_URL runs Debian's redis-server as a child: loopback only, a
// random password, data in BPFQ_DATA_DIR with an append-only file, so accepted jobs survive a
// restart. The options go in a 0600 config file rather than argv so the password never shows
// up in `ps`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';

export interface EmbeddedRedisOptions {
  /** Directory for the append-only file, the config and the log. Default `./.bpfq`. */
  dataDir?: string;
  /** TCP port on 127.0.0.1. Default: a free port chosen at start. */
  port?: number;
  /** The redis-server binary. Default `redis-server` from PATH. */
  binary?: string;
  /** How long to wait for the server to answer PING. Default 10 s. */
  startTimeoutMs?: number;
  /**
   * `always` fsyncs every write before replying, so a job the API accepted is on disk even if
   * the machine dies; `everysec` is faster. Default `always`.
   */
  appendfsync?: 'always' | 'everysec';
}

export class RedisServerMissingError extends Error {
  constructor(binary: string) {
    super(
      `${binary} was not found. Install it with \`apt-get install redis-server\` ` +
        '(or run `make setup`), or point REDIS_URL at a running Redis.',
    );
    this.name = 'RedisServerMissingError';
  }
}

export interface EmbeddedRedis {
  /**
   * `redis://:password@127.0.0.1:port`, for ioredis and BullMQ. When a server left running
   * by an earlier start still serves the data directory, this is that server.
   */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** Stops the server cleanly (it flushes the append-only file), then resolves. */
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function configText(dataDir: string, port: number, password: string, fsync: string): string {
  // Values are quoted: the data directory may contain spaces.
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `dir ${q(dataDir)}`,
    'appendonly yes',
    `appendfsync ${fsync}`,
    // The AOF is the durable copy; RDB snapshots would only add fork pauses.
    'save ""',
    'daemonize no',
    `pidfile ${q(join(dataDir, 'redis.pid'))}`,
    `logfile ${q(join(dataDir, 'redis.log'))}`,
    `requirepass ${q(password)}`,
    // BullMQ needs keys never evicted.
    'maxmemory-policy noeviction',
    '',
  ].join('\n');
}

/** The same password across restarts, so clients that survive a restart reconnect. */
function persistentPassword(dataDir: string): string {
  const file = join(dataDir, 'redis.password');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length > 0) return existing;
  } catch {
    // first start
  }
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function logTail(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'redis.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

/** Whether `pid` is alive (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A redis-server still serving this data directory: one an earlier `bpfq serve` started and
 * could not stop (it was killed with -9; Redis runs in its own process group). Starting a
 * second server on the same append-only file would corrupt it, so serve adopts this one.
 */
async function runningServer(
  dataDir: string,
  password: string,
): Promise<{ pid: number; port: number; url: string } | undefined> {
  try {
    const pid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis-server')) return undefined;
    if (readlinkSync(`/proc/${pid}/cwd`) !== dataDir) return undefined;
    const port = Number(
      /^port (\d+)$/m.exec(readFileSync(join(dataDir, 'redis.conf'), 'utf8'))?.[1],
    );
    const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    return (await answers(url)) ? { pid, port, url } : undefined;
  } catch {
    return undefined;
  }
}

function adopted(
  server: { pid: number; port: number; url: string },
  dataDir: string,
): EmbeddedRedis {
  let stopping: Promise<void> | undefined;
  return {
    ...server,
    dataDir,
    stop(): Promise<void> {
      stopping ??= (async () => {
        // Not our child: no exit event, so poll until it is gone.
        const gone = async (ms: number): Promise<boolean> => {
          const deadline = Date.now() + ms;
          while (alive(server.pid)) {
            if (Date.now() > deadline) return false;
            await new Promise((r) => setTimeout(r, 50));
          }
          return true;
        };
        if (alive(server.pid)) process.kill(server.pid, 'SIGTERM');
        if (!(await gone(10_000))) {
          process.kill(server.pid, 'SIGKILL');
          await gone(5_000);
        }
      })();
      return stopping;
    },
  };
}

export async function startEmbeddedRedis(
  options: EmbeddedRedisOptions = {},
): Promise<EmbeddedRedis> {
  const dataDir = resolve(options.dataDir ?? '.bpfq');
  const binary = options.binary ?? 'redis-server';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const password = persistentPassword(dataDir);
  const orphan = await runningServer(dataDir, password);
  if (orphan !== undefined) return adopted(orphan, dataDir);
  const port = options.port ?? (await freePort());
  const configPath = join(dataDir, 'redis.conf');
  writeFileSync(configPath, configText(dataDir, port, password, options.appendfsync ?? 'always'), {
    mode: 0o600,
  });

  // Its own process group: a Ctrl-C in the terminal signals the whole foreground group, and
  // Redis must outlive the API and worker that still write to it while they shut down; stop()
  // ends it last.
  const child = spawn(binary, [configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const spawned = await new Promise<Error | undefined>((resolveSpawn) => {
    child.once('spawn', () => resolveSpawn(undefined));
    child.once('error', (err) => resolveSpawn(err));
  });
  if (spawned) {
    if ((spawned as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RedisServerMissingError(binary);
    throw spawned;
  }

  const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = (stderr.trim() || logTail(dataDir)).slice(-1000);
      throw new Error(
        `redis-server exited at start (${child.exitCode ?? child.signalCode}): ${why}`,
      );
    }
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer within ${options.startTimeoutMs ?? 10_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    pid: child.pid ?? -1,
    stop(): Promise<void> {
      stopping ??= (async () => {
        // SIGTERM makes redis-server flush the AOF and exit; SIGKILL only if it hangs.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        if (!(await waitExit(child, 10_000))) {
          child.kill('SIGKILL');
          await waitExit(child, 5_000);
        }
      })();
      return stopping;
    },
  };
}
