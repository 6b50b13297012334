// docker/Dockerfile's build, simulated without Docker (there is no Docker engine on the
// development and CI machines): the build context (the tree less .dockerignore) is copied to
// a scratch folder, the build stage's RUN commands run there in order, the final stage's
// `COPY --from=build` lines assemble /opt/bpfq from the result, and that tree must then
// start: `bin/bpfq --version`, a compile-only run, and the api/worker/serve modules with
// every import resolved from the pruned node_modules, koffi's native module included.
//
// What it cannot see: the base images themselves (the host's Node and npm stand in for the
// image's), apt-get, and the layer order (the simulation copies the whole context at once;
// the .dockerignore test in test/unit/docker-image.test.ts makes that equivalent).
// Takes about 90 s and reaches the npm registry, so it is not in `make test`:
//   make image-check
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildContextFiles,
  dockerfileInstructions,
  dockerfileStages,
} from '../support/docker-build.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const stages = dockerfileStages(
  dockerfileInstructions(readFileSync(`${root}docker/Dockerfile`, 'utf8')),
);
const build = stages.find((s) => s.name === 'build');
const runtime = stages.at(-1);
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

let scratch = '';
let src = ''; // the build stage's /src
let app = ''; // the final stage's /opt/bpfq

function sh(command: string, cwd: string): string {
  return execFileSync('/bin/sh', ['-c', command], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', CI: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('the image build, simulated', () => {
  before(() => {
    assert.ok(build && runtime && build !== runtime, 'a build stage and a final stage');
    scratch = mkdtempSync(join(tmpdir(), 'bpfq-image-'));
    src = join(scratch, 'src');
    app = join(scratch, 'opt', 'bpfq');
    // COPY: the build context.
    for (const file of buildContextFiles(root)) {
      mkdirSync(dirname(join(src, file)), { recursive: true });
      copyFileSync(join(root, file), join(src, file));
    }
    // RUN: the build stage's commands, as the builder runs them (`/bin/sh -c`, WORKDIR).
    const workdir = build.instructions.find((i) => i.op === 'WORKDIR')?.args;
    assert.equal(workdir, '/src', 'the simulation maps /src to its scratch folder');
    for (const run of build.instructions.filter((i) => i.op === 'RUN')) {
      // NODE_ENV is not set in the build stage: npm ci must install the dev dependencies.
      execFileSync('/bin/sh', ['-c', run.args], {
        cwd: src,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: '' },
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    // COPY --from=build: the final stage's tree.
    assert.equal(runtime.instructions.find((i) => i.op === 'WORKDIR')?.args, '/opt/bpfq');
    for (const copy of runtime.instructions.filter((i) => i.op === 'COPY')) {
      const [flag, from, to] = copy.args.split(/\s+/);
      assert.equal(flag, '--from=build', copy.args);
      const source = join(src, from!.replace(/^\/src\//, ''));
      const target = join(app, to!);
      mkdirSync(dirname(target), { recursive: true });
      if (statSync(source).isDirectory())
        cpSync(source, target, { recursive: true, verbatimSymlinks: true });
      else copyFileSync(source, target);
    }
  });

  after(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('ships the bundle and the compiled service, not tests, benchmarks or maps', () => {
    for (const f of ['dist/cli/main.js', 'dist/cli/run.bundle.js', 'dist/cli/api.js'])
      assert.ok(existsSync(join(app, f)), f);
    for (const f of ['dist/test', 'dist/bench', 'dist/.tsbuildinfo'])
      assert.ok(!existsSync(join(app, f)), f);
    const maps: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.map')) maps.push(join(dir, e.name));
      }
    };
    walk(join(app, 'dist'));
    assert.deepEqual(maps, []);
  });

  it('has the production dependencies only, with koffi and its native module', () => {
    const modules = join(app, 'node_modules');
    for (const dev of ['typescript', 'esbuild', 'eslint', 'prettier', 'madge', 'supertest'])
      assert.ok(!existsSync(join(modules, dev)), `dev dependency ${dev} shipped`);
    assert.ok(Object.keys(pkg.devDependencies).includes('typescript'));
    for (const dep of ['koffi', 'bullmq', 'express', 'ioredis', 'pino', 'yaml'])
      assert.ok(existsSync(join(modules, dep)), dep);
    const native = join(
      modules,
      `@koromix/koffi-linux-${process.arch}`,
      `linux_${process.arch}`,
      'koffi.node',
    );
    assert.ok(existsSync(native), `${native} (koffi's prebuilt module for this platform)`);
  });

  it('starts: bin/bpfq --version, through the sh launcher', () => {
    accessSync(join(app, 'bin/bpfq'), constants.X_OK);
    assert.equal(sh('bin/bpfq --version', app).trim(), `bpfq v${pkg.version}`);
  });

  it('compiles a program with what it ships (bin/bpfq -d)', () => {
    const out = sh(`bin/bpfq -d -e 'BEGIN { printf("hi\\n"); exit(); }'`, app);
    assert.match(out, /BEGIN/);
  });

  it('resolves every import of the api, worker and serve commands, and loads koffi', () => {
    const script = [
      "await import('./dist/cli/api.js');",
      "await import('./dist/cli/worker.js');",
      "await import('./dist/cli/serve.js');",
      "await import('./dist/cli/run.bundle.js');",
      "const koffi = (await import('koffi')).default;",
      "koffi.load('libc.so.6');",
      "console.log('ok');",
    ].join(' ');
    assert.equal(sh(`node --input-type=module -e "${script}"`, app).trim(), 'ok');
  });
});
