// docker/docker-compose.yml: valid for Debian's docker-compose, and its privileges are the
// documented ones: the API has no capability and no host PID namespace; the worker has
// exactly the capabilities docs/deploy.md lists, each explained by a comment, and is never
// privileged by default; the API's admin token is a file secret, not an environment variable.
// Reads the file as written and as docker-compose resolves it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument, isSeq, isScalar } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const composeFile = `${root}docker/docker-compose.yml`;
const WORKER_CAPS = ['BPF', 'PERFMON', 'DAC_READ_SEARCH', 'SYS_PTRACE', 'SYSLOG'];

interface Service {
  image?: string;
  command?: string[];
  user?: string;
  pid?: string;
  privileged?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  read_only?: boolean;
  security_opt?: string[];
  ports?: unknown[];
  volumes?: unknown[];
  environment?: Record<string, string>;
  secrets?: (string | { source: string; target?: string })[];
  healthcheck?: { test?: string[] };
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  depends_on?: Record<string, { condition?: string }>;
}

interface Compose {
  version?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const written = parse(readFileSync(composeFile, 'utf8')) as Compose;

let composeFound: boolean | undefined;

function hasDockerCompose(): boolean {
  if (composeFound === undefined) {
    try {
      execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
      composeFound = true;
    } catch {
      composeFound = false;
    }
  }
  return composeFound;
}

function skipWithoutCompose(): { skip: string | false } {
  if (hasDockerCompose()) return { skip: false };
  if (process.env['CI'] === 'true')
    throw new Error('docker-compose is missing under CI=true (make setup installs it)');
  return { skip: 'needs docker-compose (make setup installs it)' };
}

const resolvedCache = new Map<string, Compose>();

function resolved(env: Record<string, string>): Compose {
  const cacheKey = JSON.stringify(env);
  const cached = resolvedCache.get(cacheKey);
  if (cached) return cached;
  const out = execFileSync('docker-compose', ['-f', composeFile, 'config'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  const compose = parse(out) as Compose;
  resolvedCache.set(cacheKey, compose);
  return compose;
}

describe('docker/docker-compose.yml', () => {
  it('passes `docker-compose config -q`', skipWithoutCompose(), () => {
    execFileSync('docker-compose', ['-f', composeFile, 'config', '-q'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', BPFQ_NODE: 'n' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });

  it('refuses to start without a node name', skipWithoutCompose(), () => {
    assert.throws(
      () =>
        execFileSync('docker-compose', ['-f', composeFile, 'config', '-q'], {
          env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      /set BPFQ_NODE/,
    );
  });

  it(
    'gives the API its admin token as a file secret, not in its environment',
    skipWithoutCompose(),
    () => {
      // Compose file format 3.1 brought `secrets`; Debian's docker-compose 1.29 mounts a
      // file secret read-only at /run/secrets/NAME without swarm.
      const [major, minor] = (written.version ?? '').split('.').map(Number);
      assert.ok(major === 3 && (minor ?? 0) >= 1, `compose file version ${written.version}`);
      const sources = (s: Service): string[] =>
        (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
      for (const [compose, file] of [
        [written, './secrets/admin-token'],
        [resolved({ BPFQ_NODE: 'host-a' }), `${root}docker/secrets/admin-token`],
      ] as const) {
        const api = compose.services['api'];
        assert.ok(api);
        assert.deepEqual(sources(api), ['admin-token']);
        assert.equal(api.environment?.['BPFQ_ADMIN_TOKEN_FILE'], '/run/secrets/admin-token');
        assert.equal(api.environment?.['BPFQ_ADMIN_TOKEN'], undefined, 'not both');
        assert.deepEqual(compose.secrets, { 'admin-token': { file } });
        assert.deepEqual(sources(compose.services['worker']!), [], 'the worker needs no token');
      }
      // The token file stays out of git and out of the image's build context, and
      // `make compose-up` writes it before compose mounts it.
      for (const ignoreFile of ['.gitignore', '.dockerignore']) {
        const lines = readFileSync(`${root}${ignoreFile}`, 'utf8').split('\n');
        assert.ok(
          lines.some((l) => /^\/?docker\/secrets\/?$/.test(l.trim())),
          `${ignoreFile} lacks docker/secrets`,
        );
      }
      const makefile = readFileSync(`${root}Makefile`, 'utf8');
      assert.match(makefile, /^compose-up: image compose-secret$/m);
      assert.match(makefile, /^ADMIN_SECRET := docker\/secrets\/admin-token$/m);
    },
  );

  it(
    'gives the API no capability, no host namespace and a read-only root',
    skipWithoutCompose(),
    () => {
      for (const compose of [written, resolved({ BPFQ_NODE: 'host-a' })]) {
        const api = compose.services['api'];
        assert.ok(api, 'no api service');
        assert.deepEqual(api.cap_drop, ['ALL']);
        assert.equal(api.cap_add, undefined);
        assert.notEqual(api.privileged, true);
        assert.equal(api.pid, undefined);
        assert.equal(api.read_only, true);
        assert.ok(api.security_opt?.includes('no-new-privileges:true'));
        assert.ok(
          api.user !== undefined && !/^(0|root)(:|$)/.test(api.user),
          `api runs as ${api.user}`,
        );
        assert.deepEqual(api.command, ['api']);
        assert.ok(JSON.stringify(api.ports).includes('8080'), 'api publishes port 8080');
        assert.match(api.healthcheck?.test?.join(' ') ?? '', /\/readyz/);
        assert.equal(api.volumes, undefined, 'the API mounts nothing from the host');
      }
    },
  );

  it(
    'gives the worker exactly its capabilities, host PID and no privileged mode',
    skipWithoutCompose(),
    () => {
      for (const compose of [written, resolved({ BPFQ_NODE: 'host-a' })]) {
        const worker = compose.services['worker'];
        assert.ok(worker, 'no worker service');
        assert.deepEqual(worker.cap_drop, ['ALL']);
        assert.deepEqual([...(worker.cap_add ?? [])].sort(), [...WORKER_CAPS].sort());
        assert.equal(worker.privileged, undefined);
        assert.equal(worker.pid, 'host');
        assert.deepEqual(worker.command, ['worker']);
        assert.equal(worker.read_only, true);
        // Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK: Docker lifts the limit,
        // instead of CAP_SYS_RESOURCE letting the worker lift it.
        assert.deepEqual(worker.ulimits?.['memlock'], { soft: -1, hard: -1 });
        const mounts = (worker.volumes ?? []).map(String);
        assert.ok(mounts.includes('/sys/kernel/btf:/sys/kernel/btf:ro'), mounts.join(' '));
        assert.ok(
          mounts.some((m) => m.startsWith('/sys/kernel/tracing:/sys/kernel/tracing')),
          mounts.join(' '),
        );
        assert.ok(
          mounts.some((m) => m.startsWith('/sys/kernel/debug:')),
          mounts.join(' '),
        );
      }
    },
  );

  it(
    'takes the worker node name from the environment make compose-up fills with the host name',
    skipWithoutCompose(),
    () => {
      const worker = resolved({ BPFQ_NODE: 'host-a' }).services['worker'];
      assert.equal(worker?.environment?.['BPFQ_NODE'], 'host-a');
      const makefile = readFileSync(`${root}Makefile`, 'utf8');
      assert.match(makefile, /BPFQ_NODE=\$\$\{BPFQ_NODE:-\$\$\(hostname\)\}/);
    },
  );

  it('explains every added capability and every security option with a comment', () => {
    const doc = parseDocument(readFileSync(composeFile, 'utf8'));
    for (const path of [
      ['services', 'worker', 'cap_add'],
      ['services', 'worker', 'security_opt'],
    ]) {
      const seq = doc.getIn(path, true);
      assert.ok(isSeq(seq), path.join('.'));
      seq.items.forEach((item, i) => {
        assert.ok(isScalar(item));
        if (path[2] === 'security_opt' && item.value === 'no-new-privileges:true') return;
        // The yaml library hangs the comment above a sequence's first item on the sequence.
        const comment = item.commentBefore ?? (i === 0 ? seq.commentBefore : undefined) ?? '';
        assert.ok(comment.trim().length > 20, `${String(item.value)} has no comment saying why`);
      });
    }
  });

  it('keeps Redis durable and health-checked, and the API waits for it', () => {
    const redis = written.services['redis'];
    assert.ok(redis);
    assert.ok(redis.command?.join(' ').includes('--appendonly yes'));
    assert.match(redis.image ?? '', /^redis:\d+\.\d+\.\d+/, 'redis image pinned by version');
    assert.deepEqual(redis.volumes, ['redis-data:/data']);
    assert.ok(written.volumes && 'redis-data' in written.volumes, 'named volume');
    assert.ok(redis.healthcheck?.test?.includes('ping'));
    for (const s of ['api', 'worker']) {
      assert.equal(written.services[s]?.depends_on?.['redis']?.condition, 'service_healthy', s);
    }
  });

  it('adds CAP_SYS_ADMIN only in the uprobe override file, and nothing else', () => {
    const override = parse(
      readFileSync(`${root}docker/docker-compose.uprobes.yml`, 'utf8'),
    ) as Compose;
    assert.deepEqual(Object.keys(override.services), ['worker']);
    assert.deepEqual(override.services['worker'], { cap_add: ['SYS_ADMIN'] });
    assert.ok(!WORKER_CAPS.includes('SYS_ADMIN'));
  });

  it('offers privileged mode only in the old-kernel override file', skipWithoutCompose(), () => {
    const override = parse(
      readFileSync(`${root}docker/docker-compose.old-kernel.yml`, 'utf8'),
    ) as Compose;
    assert.equal(override.services['worker']?.privileged, true);
    assert.deepEqual(Object.keys(override.services), ['worker']);
  });
});
