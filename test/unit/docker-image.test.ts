// docker/Dockerfile's key properties, checked on its instructions: a pinned Node 20 Debian
// bookworm base, a multi-stage build whose final stage is the slim image with libbpf1 and
// the built JavaScript only (no compilers, no npm install), a non-root user, bin/bpfq as
// the entry point, OCI labels; no finding from dockerfile-utils' linter (rcjsuen's, the one
// behind the Dockerfile language server), which also formats it; and a .dockerignore
// that keeps local state out of the context and lets everything the build needs in.
// test/image/image-build.test.ts (make image-check) runs the build stage's commands for real.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ValidationSeverity, format, validate, type ValidatorSettings } from 'dockerfile-utils';
import {
  buildContextFiles,
  dockerfileInstructions,
  dockerfileStages,
  dockerignorePatterns,
} from '../support/docker-build.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfileText = readFileSync(`${root}docker/Dockerfile`, 'utf8');
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const all = dockerfileInstructions(dockerfileText);
const fromIndexes = all.flatMap((ins, i) => (ins.op === 'FROM' ? [i] : []));
const finalStage = all.slice(fromIndexes.at(-1));
const stages = dockerfileStages(all);
const buildStage = stages.find((s) => s.name === 'build');
const globalArgs = new Map(
  all
    .slice(0, fromIndexes[0])
    .filter((i) => i.op === 'ARG')
    .map((i) => i.args.split('=') as [string, string]),
);

function expand(s: string): string {
  return s.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? `\${${name}}`);
}

/** Every rule dockerfile-utils can make stricter, made an error: nothing is waved through. */
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

function findings(text: string): string[] {
  return validate(text, STRICT).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

describe('docker/Dockerfile, linted', () => {
  it('has no finding from dockerfile-utils, every rule at error level', () => {
    assert.deepEqual(findings(dockerfileText), []);
  });

  it('is laid out as dockerfile-utils formats it (continuations indented by 4)', () => {
    const edits = format(dockerfileText, { insertSpaces: true, tabSize: 4 });
    assert.deepEqual(
      edits.map((e) => `line ${e.range.start.line + 1}`),
      [],
      'reformat docker/Dockerfile',
    );
  });

  it('the linter does catch what it should (so a clean result means something)', () => {
    const bad = [
      'FROM node:20.20.2-bookworm-slim AS a',
      'from node:20.20.2-bookworm-slim',
      'WORKDIR opt',
      "CMD ['api']",
      'CMD ["worker"]',
      'HEALTHCHECK --interval=soon CMD true',
      'COPY --chwn=node a b',
      '',
    ].join('\n');
    const found = findings(bad).join('\n');
    for (const expected of [
      /line 2: Instructions should be written in uppercase/,
      /line 3: WORKDIR paths should be absolute/,
      /line 4: .*single quotes/,
      /There can only be one CMD/,
      /line 6: .*invalid duration/,
      /line 7: Unknown flag: chwn/,
    ])
      assert.match(found, expected);
  });
});

describe('docker/Dockerfile', () => {
  it('builds in stages from Node 20 on Debian bookworm, pinned to an exact version', () => {
    assert.ok(fromIndexes.length >= 2, 'multi-stage');
    for (const i of fromIndexes) {
      const image = expand(all[i]!.args.split(/\s+/)[0]!);
      assert.match(image, /^node:20\.\d+\.\d+-bookworm(-slim)?$/, image);
    }
    assert.match(expand(finalStage[0]!.args), /^node:20\.\d+\.\d+-bookworm-slim AS runtime$/);
  });

  it('installs only libbpf1 in the final stage, and nothing to build with', () => {
    const runs = finalStage.filter((i) => i.op === 'RUN').map((i) => i.args);
    assert.equal(runs.length, 1, runs.join('\n'));
    const run = runs[0]!;
    assert.match(run, /apt-get install -y --no-install-recommends libbpf1(\s|$)/);
    assert.match(run, /rm -rf \/var\/lib\/apt\/lists/);
    // The packages installed are exactly libbpf1: no compiler, headers or build system.
    const installed = /apt-get install ((?:-\S+\s+)*)([^&;|]*)/.exec(run)?.[2]?.trim().split(/\s+/);
    assert.deepEqual(installed, ['libbpf1']);
    for (const tool of [
      'gcc',
      'g++',
      'make',
      'cmake',
      'build-essential',
      'binutils',
      'python3',
      '-dev',
      'npm ',
      'npx',
      'yarn',
      'tsc',
      'esbuild',
      'clang',
      'llvm',
      'node-gyp',
    ]) {
      assert.ok(!run.includes(tool), `final stage runs ${tool}`);
    }
  });

  it('builds with npm run build (tsc and the run-path bundle), then prunes dev dependencies', () => {
    assert.ok(buildStage, 'a stage named build');
    const runs = buildStage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    const script = runs.join(' && ');
    assert.match(script, /^npm ci\b/, 'dependencies from the lock file');
    // `npm run build` is what `make build` runs: tsc alone would leave out
    // dist/cli/run.bundle.js, the bundled local run path.
    assert.match(script, /\bnpm run build\b/);
    const order = [
      'npm ci',
      'npm run build',
      'rm -rf dist/test dist/bench',
      'npm prune --omit=dev',
    ];
    const at = order.map((s) => script.indexOf(s));
    assert.ok(
      at.every((p, i) => p >= 0 && (i === 0 || p > at[i - 1]!)),
      `in this order: ${order.join(', ')}\n${script}`,
    );
    assert.match(script, /find dist -name '\*\.map' -delete/, 'no source maps shipped');
    assert.match(pkg.devDependencies['esbuild'] ?? '', /\d/, 'the bundler is a dev dependency');
    // The lock file goes in before npm ci; the whole context after, so source edits do not
    // redo the npm layer.
    const copies = buildStage.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.deepEqual(copies, ['package.json package-lock.json ./', '. .']);
  });

  it('copies only built JavaScript and production dependencies into the final stage', () => {
    const copies = finalStage.filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.ok(
      copies.every((c) => c.startsWith('--from=build ')),
      copies.join('\n'),
    );
    // Without --chown the files stay root's: the `node` user cannot change the application.
    assert.ok(!copies.some((c) => c.includes('--chown') || c.includes('--chmod')));
    const sources = copies.map((c) => c.split(/\s+/)[1]!);
    assert.deepEqual(
      sources.sort(),
      [
        '/src/bin',
        '/src/dist',
        '/src/node_modules',
        '/src/openapi.yaml',
        '/src/package.json',
      ].sort(),
    );
    // Each lands under the WORKDIR with its own name: bin/bpfq finds ../dist/cli/main.js,
    // and Node finds package.json ("type": "module") and node_modules beside dist.
    assert.deepEqual(
      finalStage.filter((i) => i.op === 'WORKDIR').map((i) => i.args),
      ['/opt/bpfq'],
    );
    for (const c of copies) {
      const [, from, to] = c.split(/\s+/);
      assert.equal(to, `./${from!.replace('/src/', '')}`, c);
    }
  });

  it('runs as a non-root user, set before the entry point, with bin/bpfq as the entry point', () => {
    const users = finalStage.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.deepEqual(users, ['node']);
    const opIndex = (op: string): number => finalStage.findIndex((i) => i.op === op);
    assert.ok(opIndex('USER') < opIndex('ENTRYPOINT') && opIndex('USER') < opIndex('CMD'));
    assert.ok(
      finalStage.slice(opIndex('USER')).every((i) => i.op !== 'RUN'),
      'nothing runs as node at build time',
    );
    const entry = finalStage.find((i) => i.op === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(entry?.args ?? 'null'), ['/opt/bpfq/bin/bpfq']);
    assert.deepEqual(JSON.parse(finalStage.find((i) => i.op === 'CMD')?.args ?? 'null'), ['api']);
    // bin/bpfq is a #!/bin/sh launcher (the slim image has dash) running `node` from PATH.
    const launcher = readFileSync(`${root}bin/bpfq`, 'utf8');
    assert.match(launcher, /^#!\/bin\/sh\n/);
    assert.match(launcher, /\.\.\/dist\/cli\/main\.js/);
    assert.ok((statSync(`${root}bin/bpfq`).mode & 0o111) !== 0, 'bin/bpfq is executable');
  });

  it('has no HEALTHCHECK, and says why (one image, two roles; compose checks the API)', () => {
    assert.equal(
      all.filter((i) => i.op === 'HEALTHCHECK').length,
      0,
      'a HEALTHCHECK would apply to the worker too',
    );
    assert.match(
      dockerfileText,
      /^# No HEALTHCHECK here: one image serves two roles and only the API has an HTTP/m,
    );
  });

  it('carries the OCI labels, with the version of package.json', () => {
    const labels = finalStage
      .filter((i) => i.op === 'LABEL')
      .map((i) => i.args)
      .join(' ');
    for (const key of ['title', 'description', 'version', 'revision', 'licenses', 'base.name']) {
      assert.match(
        labels,
        new RegExp(`org\\.opencontainers\\.image\\.${key.replace('.', '\\.')}=`),
        key,
      );
    }
    const versionArg = finalStage.find((i) => i.op === 'ARG' && i.args.startsWith('VERSION='));
    assert.equal(versionArg?.args, `VERSION=${pkg.version}`);
  });
});

describe('.dockerignore and the build context', () => {
  const context = new Set(buildContextFiles(root));

  it('keeps local state, secrets and other builds out', () => {
    const ignored = dockerignorePatterns(root);
    for (const p of ['.git', 'node_modules', 'dist', '.bpfq', 'docker/secrets'])
      assert.ok(ignored.includes(p), `${p} not ignored`);
    const leaked = [...context].filter((f) =>
      /^(\.git|node_modules|dist|\.bpfq|docker\/secrets|test\/\.tmp|bench\/\.tmp)\//.test(f),
    );
    assert.deepEqual(leaked, []);
    assert.deepEqual(
      [...context].filter((f) => /^[^/]*\.log$/.test(f) || f === '.env'),
      [],
    );
  });

  it('lets in everything `npm ci` and `npm run build` read', () => {
    for (const f of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'bin/bpfq',
      'openapi.yaml',
    ])
      assert.ok(context.has(f), `${f} must reach the build`);
    const tsconfig = JSON.parse(readFileSync(`${root}tsconfig.json`, 'utf8')) as {
      include: string[];
    };
    const missing: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== '.tmp') walk(rel);
        } else if (rel.endsWith('.ts') && !context.has(rel)) missing.push(rel);
      }
    };
    for (const dir of tsconfig.include) walk(dir);
    assert.deepEqual(missing, []);
  });
});

/** Every .ts file the image ships compiled: all top-level source folders but tests and benches. */
function shippedSources(): string[] {
  const skip = new Set([
    'test',
    'bench',
    'node_modules',
    'dist',
    'docs',
    'docker',
    '.git',
    '.ci',
    '.bpfq',
  ]);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(`${root}${dir}`)) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (dir === '' && (skip.has(name) || name.startsWith('.'))) continue;
      if (statSync(`${root}${rel}`).isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts') && rel.includes('/')) out.push(rel);
    }
  };
  walk('');
  return out;
}

describe('what the final stage ships', () => {
  it('needs at run time only production dependencies, never tests or benchmarks', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const files = shippedSources();
    assert.ok(
      files.some((f) => f.startsWith('cli/')),
      'found no sources',
    );
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(`${root}${file}`, 'utf8');
      // Value imports only: `import type` and `export type` vanish when compiled.
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'/gm),
        ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
        ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
      ].map((m) => m[1]!);
      for (const spec of specifiers) {
        if (spec.startsWith('.')) {
          if (/(^|\/)(test|bench)\//.test(spec)) problems.push(`${file} imports ${spec}`);
          continue;
        }
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0]!;
        if (spec.startsWith('node:') || builtins.has(name)) continue;
        if (!(name in pkg.dependencies))
          problems.push(`${file} imports ${spec}, not a production dependency`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
