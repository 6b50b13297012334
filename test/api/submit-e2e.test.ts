// `bpfq submit` and `bpfq jobs` against a real `bin/bpfq serve` (embedded Redis, the API,
// a worker tracing on this kernel), run as child processes without a terminal, as a CI job
// runs them: assertions that hold (0) and fail (1, with the observed values), a program
// that does not compile (2, line and column), a bad token (3), a timeout (4, the job
// cancelled), and output free of control characters. Afterwards no BPF program is left.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../support/needs.js';
import { leftLoaded, loadedIds, runCli, startServe, type Served } from './submit-serve.js';

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

describe('bpfq submit against bpfq serve', needs('root', 'bpf', 'tracefs', 'redis-server'), () => {
  let served: Served;
  let before_: Set<string>;
  let env: Record<string, string>;

  before(async () => {
    before_ = loadedIds();
    served = await startServe();
    env = { BPFQ_SERVER: served.url, BPFQ_TOKEN: served.token };
  });

  after(async () => {
    await served?.stop();
    assert.deepEqual(
      await leftLoaded(before_),
      [],
      'BPF programs or links left after serve stopped',
    );
  });

  it('exits 0 when the assertions hold, and prints bpftrace text', async () => {
    const r = await runCli(
      [
        'submit',
        '-e',
        'BEGIN { printf("hello\\t%d\\n", 42); @errors = 0; @lat = hist(700); @lat = hist(1500); @lat = hist(3000); @calls["open"] = 12; exit(); }',
        '--duration',
        '10s',
        '--assert',
        '@errors == 0',
        '--assert',
        'count(@lat) == 3 && p50(@lat) < 2ms',
        '--assert',
        '@calls["open"] > 10',
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^@calls\[open\]: 12$/m);
    assert.match(r.stdout, /^\[1K, 2K\) +1 \|@+ *\|$/m);
    assert.match(r.stderr, /^3 of 3 assertions held$/m);
    // printf output streamed live over SSE, as a plain log line (the tab expanded).
    assert.match(r.stderr, /^\S+Z \| hello {3}42$/m);
    assert.match(r.stderr, /^\S+Z job \S+ attached 1 probe$/m);
    assert.match(r.stdout, /^hello\t42$/m);
    // stdout is bpftrace's text verbatim (its tab included); the log on stderr is plain.
    assert.doesNotMatch(r.stderr, CONTROL);
    for (const line of r.stderr.split('\n').filter((l) => / job /.test(l))) {
      assert.match(
        line,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z job \S+ (queued|running|completed|attached 1 probe)/,
      );
    }
  });

  it('exits 1 when an assertion fails, with the observed value, and writes JUnit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-submit-junit-'));
    try {
      const junit = join(dir, 'r.xml');
      const r = await runCli(
        [
          'submit',
          '-e',
          'BEGIN { @errors = 3; @lat = hist(5000000); exit(); }',
          '--assert',
          '@errors == 0',
          '--assert',
          'p99(@lat) <= 2ms',
          '--junit',
          junit,
        ],
        { env },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^FAIL @errors == 0\n {2}@errors = 3$/m);
      assert.match(
        r.stderr,
        /^FAIL p99\(@lat\) <= 2ms\n {2}p99\(@lat\) = [\d.]+ms \(\d+(\.\d+)?\) {2}\(interpolated in bucket \[4194304, 8388608\)\)$/m,
      );
      const xml = readFileSync(junit, 'utf8');
      assert.match(xml, /<testsuite name="bpfq program" [^>]*tests="3" failures="2" errors="0"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gates on a tracepoint under a load started once the job runs', async () => {
    let load: Promise<void> | undefined;
    const r = await runCli(
      [
        'submit',
        '-e',
        'tracepoint:syscalls:sys_enter_execve { @execs = count(); }',
        '--duration',
        '3s',
        '--assert',
        '@execs >= 20',
      ],
      {
        env,
        onStderr: (soFar) => {
          if (load === undefined && / running/.test(soFar)) {
            load = new Promise((resolve) => {
              const sh = spawn(
                'sh',
                ['-c', 'for i in $(seq 100); do /bin/true; sleep 0.02; done'],
                {
                  stdio: 'ignore',
                },
              );
              sh.once('exit', () => resolve());
            });
          }
        },
      },
    );
    await load;
    assert.ok(load, 'the job was never reported running');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^@execs: \d+$/m);
  });

  it('exits 2 with line and column for a program that does not compile', async () => {
    const r = await runCli(
      ['submit', '-e', 'BEGIN {\n  @x = nosuchfunc(1);\n}', '--assert', '@x == 1'],
      { env },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^program:2:\d+: .+\n {2}@x = nosuchfunc\(1\);\n +\^$/m);
  });

  it('exits 3 for a bad token, before anything runs', async () => {
    const r = await runCli(['submit', '-e', 'BEGIN { exit(); }', '--wait'], {
      env: { ...env, BPFQ_TOKEN: 'not-a-token' },
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /authentication failed \(401/);
  });

  it('exits 4 on timeout and leaves the job cancelled', async () => {
    const r = await runCli(
      [
        'submit',
        '-e',
        'interval:ms:100 { @ticks = count(); }',
        '--duration',
        '60s',
        '--wait',
        '--timeout',
        '3s',
      ],
      { env },
    );
    assert.equal(r.code, 4, r.stderr);
    const id = /waiting for job (\S+); cancelled it/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    let status = '';
    for (let i = 0; i < 50 && status !== 'cancelled'; i++) {
      const got = await runCli(['jobs', 'get', id, '--json'], { env });
      status = (JSON.parse(got.stdout) as { status: string }).status;
      if (status !== 'cancelled') await new Promise((r2) => setTimeout(r2, 200));
    }
    assert.equal(status, 'cancelled');
  });

  it('reattaches to the same job when resubmitted with the same idempotency key', async () => {
    const args = ['submit', '-e', 'BEGIN { @k = 7; exit(); }', '--idempotency-key', 'e2e-retry-1'];
    const first = await runCli(args, { env });
    const again = await runCli(args, { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout);
    const waited = await runCli([...args, '--assert', '@k == 7'], { env });
    assert.equal(waited.code, 0, waited.stderr);
  });

  it('lists, fetches and watches jobs with bpfq jobs', async () => {
    const submitted = await runCli(['submit', '-e', 'BEGIN { @a = 1; exit(); }'], { env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    assert.match(id, /^\S+$/);
    const watched = await runCli(['jobs', 'watch', id], { env });
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /^status: +completed$/m);
    const list = await runCli(['jobs', 'list', '--status', 'completed'], { env });
    assert.ok(
      list.stdout.split('\n').some((l) => l.startsWith(`${id} `)),
      list.stdout,
    );
    const text = await runCli(['jobs', 'result', id], { env });
    assert.match(text.stdout, /^@a: 1$/m);
    const json = await runCli(['jobs', 'result', id, '-f', 'json'], { env });
    assert.deepEqual((JSON.parse(json.stdout) as { records: unknown[] }).records.at(-1), {
      type: 'map',
      data: { '@a': 1 },
    });
  });
});
