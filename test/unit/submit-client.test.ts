// `bpfq submit` and `bpfq jobs` against a stand-in API on loopback: argument handling,
// exit statuses (0 held, 1 failed, 2 job failed / compile error, 3 usage / connection /
// auth, 4 timeout), what is printed, and the SSE-to-polling fallback. The real service is
// tested in test/api/submit-*.test.ts.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runSubmit } from '../../cli/submit.js';
import { runJobs } from '../../cli/jobs.js';
import { FakeApi, captureIo, type FakeApiOptions } from './submit-fake-api.js';

const fixture = new URL('../../../test/fixtures/assert/maps.json', import.meta.url);
const records = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as unknown);
const bpfq = new URL('../../../bin/bpfq', import.meta.url).pathname;

const TOKEN = 't0ken';
const completes = { statuses: ['queued', 'running', 'completed'] as const };
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function start(options: Partial<FakeApiOptions> = {}): Promise<FakeApi> {
  api = await FakeApi.start({
    token: TOKEN,
    plan: {
      statuses: [...completes.statuses],
      records,
      text: '@errors: 1\n',
      printf: ['hello 1\n', 'tab\there\n'],
    },
    ...options,
  });
  return api;
}

/** A loopback port nobody listens on (fetch refuses well-known ports such as 9 itself). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function submit(args: string[], server: FakeApi | undefined, tty = false) {
  const env = {
    BPFQ_SERVER: server?.url ?? `http://127.0.0.1:${await closedPort()}`,
    BPFQ_TOKEN: TOKEN,
  };
  const { io, out } = captureIo(env, tty);
  const code = await runSubmit(args, io);
  return { code, ...out };
}

describe('bpfq submit: command line', () => {
  it('rejects a bad assertion as a usage error before submitting anything', async () => {
    const server = await start();
    const r = await submit(['-e', 'BEGIN { exit(); }', '--assert', 'p99(@lat) <'], server);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /bad assertion: unexpected end of assertion\n {2}p99\(@lat\) <\n {13}\^/,
    );
    assert.deepEqual(server.requests, []);
  });

  it('rejects bad options with status 3', async () => {
    const server = await start();
    for (const args of [
      [],
      ['-e', 'x', 'file.bt'],
      ['-e', 'x', '--duration', '1.5s'],
      ['-e', 'x', '--duration', 'soon'],
      ['-e', 'x', '--format', 'xml'],
      ['-e', 'x', '--pid', '-4'],
      ['-e', 'x', '--timeout', 'never'],
      ['-e', 'x', '--bogus'],
      ['-e', 'x', '--server', 'ftp://host'],
      ['/nonexistent/prog.bt'],
    ]) {
      const r = await submit(args, server);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^bpfq submit: /, args.join(' '));
    }
    assert.deepEqual(server.requests, []);
  });

  it('without --wait prints the job id and sends the request as given', async () => {
    const server = await start();
    const r = await submit(
      [
        '-e',
        'BEGIN { printf("%s\\n", str($1)); }',
        '--duration',
        '2m',
        '--pid',
        '42',
        '--node',
        'n1',
        '--param',
        'a',
        '--param',
        'b c',
        '-f',
        'json',
      ],
      server,
    );
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'job-1\n');
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, '/v1/jobs');
    assert.equal(req?.auth, `Bearer ${TOKEN}`);
    assert.equal(req?.idempotencyKey, undefined);
    assert.deepEqual(req?.body, {
      program: 'BEGIN { printf("%s\\n", str($1)); }',
      durationSeconds: 120,
      format: 'json',
      pid: 42,
      node: 'n1',
      params: ['a', 'b c'],
    });
  });

  it('reads the program from a file or standard input; --server/--token override the environment', async () => {
    const server = await start();
    const dir = mkdtempSync(join(tmpdir(), 'bpfq-submit-'));
    try {
      writeFileSync(join(dir, 'p.bt'), 'BEGIN { @x = 1; exit(); }\n');
      const { io, out } = captureIo({ BPFQ_SERVER: 'http://127.0.0.1:9', BPFQ_TOKEN: 'wrong' });
      const code = await runSubmit(
        [join(dir, 'p.bt'), '--server', server.url, '--token', TOKEN],
        io,
      );
      assert.equal(code, 0, out.stderr);
      assert.deepEqual(
        (server.requests[0]?.body as { program: string }).program,
        'BEGIN { @x = 1; exit(); }\n',
      );
      const stdin = captureIo({ BPFQ_SERVER: server.url, BPFQ_TOKEN: TOKEN });
      assert.equal(await runSubmit(['-'], stdin.io), 0, stdin.out.stderr);
      assert.equal((server.requests[1]?.body as { program: string }).program, 'BEGIN { exit(); }');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bpfq submit --idempotency-key', () => {
  it('sends the key with the submission', async () => {
    const server = await start();
    const r = await submit(['-e', 'x', '--idempotency-key', 'pipeline-42-perf'], server);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests[0]?.idempotencyKey, 'pipeline-42-perf');
  });
});

describe('bpfq submit --wait: exit statuses', () => {
  it('exits 0 when every assertion holds, and prints the result', async () => {
    const server = await start();
    const r = await submit(
      ['-e', 'x', '--wait', '--assert', '@errors == 1', '--assert', 'p50(@lat) < 1ms'],
      server,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '@errors: 1\n');
    assert.match(r.stderr, /^PASS @errors == 1$/m);
    assert.match(r.stderr, /^PASS p50\(@lat\) < 1ms$/m);
    assert.match(r.stderr, /^2 of 2 assertions held$/m);
  });

  it('exits 1 when an assertion fails, printing the observed value', async () => {
    const server = await start();
    const r = await submit(
      ['-e', 'x', '--assert', 'p99(@lat) <= 2ms', '--assert', '@calls["open"] > 10'],
      server,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^FAIL p99\(@lat\) <= 2ms\n {2}p99\(@lat\) = 4\.\d+ms \(\d+(\.\d+)?\) {2}\(interpolated in bucket \[2097152, 4194304\)\)$/m,
    );
    assert.match(r.stderr, /^FAIL @calls\["open"\] > 10\n {2}@calls\["open"\] = 3$/m);
    assert.match(r.stderr, /^0 of 2 assertions held$/m);
  });

  it('prints the JSON result with -f json', async () => {
    const server = await start();
    const r = await submit(['-e', 'x', '--wait', '-f', 'json'], server);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { records: unknown[] };
    assert.deepEqual(body.records, records);
  });

  it('exits 2 with file:line:column and a caret for a program the server does not compile', async () => {
    const server = await start({
      rejectWith: {
        status: 400,
        body: {
          type: 'https://bpfq.dev/problems/compile',
          title: 'the program does not compile',
          status: 400,
          detail: '1 error',
          errors: [{ line: 2, column: 3, message: "unknown function 'cout'" }],
        },
      },
    });
    const r = await submit(
      ['-e', 'BEGIN {\n  cout();\n}', '--wait', '--assert', '@x == 1'],
      server,
    );
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "program:2:3: unknown function 'cout'\n  cout();\n  ^\n");
  });

  it('exits 2 when the job fails, with the compile diagnostics a worker reported', async () => {
    const server = await start({
      plan: {
        statuses: ['queued', 'failed'],
        error: 'the program does not compile',
        errorDetail: {
          kind: 'compile',
          diagnostics: [{ line: 1, column: 9, message: 'bad probe' }],
        },
      },
    });
    const r = await submit(['-e', 'kprobe: nope { }', '--wait'], server);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^program:1:9: bad probe\nkprobe: nope \{ \}\n {8}\^$/m);
  });

  it('exits 2 with the error when the job fails for another reason', async () => {
    const server = await start({
      plan: {
        statuses: ['running', 'failed'],
        error: 'verifier rejected the program',
        errorDetail: { kind: 'verifier', log: 'R1 invalid mem access' },
      },
    });
    const r = await submit(['-e', 'x', '--wait'], server);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /job job-1 failed: verifier rejected the program\nR1 invalid mem access/,
    );
  });

  it('exits 3 for a bad token', async () => {
    const server = await start();
    const { io, out } = captureIo({ BPFQ_SERVER: server.url, BPFQ_TOKEN: 'nope' });
    const code = await runSubmit(['-e', 'x', '--wait'], io);
    assert.equal(code, 3);
    assert.match(out.stderr, /authentication failed \(401/);
  });

  it('exits 3 when the server cannot be reached', async () => {
    const r = await submit(['-e', 'x', '--wait'], undefined);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('exits 4 on timeout and cancels the job', async () => {
    const server = await start({ plan: { statuses: ['queued', 'running'] } });
    const r = await submit(['-e', 'x', '--timeout', '300ms', '--assert', '@x == 0'], server);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /timed out after 300ms waiting for job job-1; cancelled it/);
    assert.ok(
      server.requests.some((q) => q.method === 'DELETE' && q.path === '/v1/jobs/job-1'),
      'no DELETE sent',
    );
  });
});

describe('bpfq submit --wait: a server that stops answering', () => {
  it('still exits 4 at --timeout when a request never gets an answer', async () => {
    const server = await start({ sse: false, hangJob: true });
    const started = Date.now();
    const r = await submit(['-e', 'x', '--wait', '--timeout', '500ms'], server);
    assert.equal(r.code, 4, r.stderr);
    assert.ok(Date.now() - started < 10_000, 'waited far past the timeout');
  });

  it('bin/bpfq exits with 4 too, though the unanswered request holds a socket open', async () => {
    const server = await start({ sse: false, hangJob: true });
    const run = promisify(execFile);
    const started = Date.now();
    await assert.rejects(
      run(bpfq, ['submit', '-e', 'x', '--wait', '--timeout', '500ms'], {
        env: { ...process.env, BPFQ_SERVER: server.url, BPFQ_TOKEN: TOKEN },
        timeout: 20_000,
      }),
      (err: { code?: number; killed?: boolean }) => {
        assert.equal(err.killed, false, 'bin/bpfq had to be killed');
        assert.equal(err.code, 4);
        return true;
      },
    );
    assert.ok(Date.now() - started < 15_000);
  });
});

describe('bpfq submit --wait: progress output', () => {
  it('writes timestamped plain lines without control characters when not on a terminal', async () => {
    const server = await start();
    const r = await submit(['-e', 'x', '--wait'], server);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, CONTROL);
    assert.doesNotMatch(r.stdout, CONTROL);
    const lines = r.stderr.trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, line);
    assert.ok(
      lines.some((l) => l.endsWith(' job job-1 running on n1')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.endsWith(' job job-1 completed on n1')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.endsWith(' | hello 1')),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.endsWith(' | tab     here')),
      r.stderr,
    );
  });

  it('draws a progress line in place on a terminal', async () => {
    const server = await start();
    const r = await submit(['-e', 'x', '--wait'], server, true);
    assert.equal(r.code, 0, r.stderr);
    // eslint-disable-next-line no-control-regex -- the terminal's erase-line sequence
    assert.match(r.stderr, /\r\x1b\[2K\[[#.]{30}\] \d+s\/10s (queued|running|completed) job job-1/);
    assert.match(r.stderr, /hello 1\n/);
  });

  it('falls back to polling when the server has no event stream', async () => {
    const server = await start({ sse: false });
    const r = await submit(['-e', 'x', '--assert', '@errors == 1'], server);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no live events \(.*501.*\); polling/);
    assert.ok(server.requests.filter((q) => q.path === '/v1/jobs/job-1').length >= 1);
  });

  it('keeps streamed printf lines when the job is already done by the time it is fetched', async () => {
    const server = await start({ jobAhead: true });
    const r = await submit(['-e', 'x', '--wait'], server);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, / \| hello 1\n/);
    assert.match(r.stderr, / job job-1 running on n1\n/);
  });

  it('rides out a server that answers 503 for a while', async () => {
    const server = await start({ sse: false, unavailable: 2 });
    const r = await submit(['-e', 'x', '--assert', '@errors == 1'], server);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /server unavailable \(redis down\); retrying for up to a minute/);
  });

  it('propagates the exit status through bin/bpfq', async () => {
    const run = promisify(execFile);
    await assert.rejects(
      run(bpfq, ['submit', '-e', 'x', '--assert', '@a <']),
      (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 3);
        assert.match(err.stderr ?? '', /bad assertion/);
        return true;
      },
    );
  });
});

describe('bpfq jobs', () => {
  it('lists, gets, fetches results of and cancels jobs', async () => {
    const server = await start();
    assert.equal((await submit(['-e', 'x', '--wait', '-q'], server)).code, 0);
    const env = { BPFQ_SERVER: server.url, BPFQ_TOKEN: TOKEN };
    let c = captureIo(env);
    assert.equal(await runJobs(['list'], c.io), 0, c.out.stderr);
    assert.match(
      c.out.stdout,
      /^ID +STATUS +NODE +DURATION +CREATED\njob-1 +completed +n1 +1s +2026-01-01T00:00:00\.000Z\n$/,
    );
    c = captureIo(env);
    assert.equal(await runJobs(['get', 'job-1'], c.io), 0);
    assert.match(c.out.stdout, /^status: +completed$/m);
    c = captureIo(env);
    assert.equal(await runJobs(['result', 'job-1'], c.io), 0);
    assert.equal(c.out.stdout, '@errors: 1\n');
    c = captureIo(env);
    assert.equal(await runJobs(['cancel', 'job-1'], c.io), 0);
    assert.equal(c.out.stdout, 'job-1 cancelled\n');
    c = captureIo(env);
    assert.equal(await runJobs(['get'], c.io), 3);
    assert.match(c.out.stderr, /needs a job ID/);
    c = captureIo({ ...env, BPFQ_TOKEN: 'bad' });
    assert.equal(await runJobs(['list'], c.io), 3);
  });

  it('watch follows a job to its end and exits 2 when it failed', async () => {
    const server = await start({
      plan: { statuses: ['queued', 'running', 'failed'], error: 'boom' },
    });
    assert.equal((await submit(['-e', 'x'], server)).code, 0);
    const c = captureIo({ BPFQ_SERVER: server.url, BPFQ_TOKEN: TOKEN });
    assert.equal(await runJobs(['watch', 'job-1'], c.io), 2);
    assert.match(c.out.stdout, /^error: +boom$/m);
    assert.match(c.out.stderr, /job job-1 failed/);
  });
});
