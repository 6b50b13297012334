// docker/Dockerfile's key properties, checked on its instructions: a pinned Node 20 Debian
// bookworm base, a multi-stage build whose final stage is the slim image with libbpf1 and
// the built JavaScript only (no compilers, no npm install), a non-root user, bin/bpfq as
// the entry point, OCI labels; and a .dockerignore that keeps local state out of the context.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      assert.ok(m, `not an instruction: ${l}`);
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

const all = instructions(readFileSync(`${root}docker/Dockerfile`, 'utf8'));
const fromIndexes = all.flatMap((ins, i) => (ins.op === 'FROM' ? [i] : []));
const finalStage = all.slice(fromIndexes.at(-1));
const globalArgs = new Map(
  all
    .slice(0, fromIndexes[0])
    .filter((i) => i.op === 'ARG')
    .map((i) => i.args.split('=') as [string, string]),
);

function expand(s: string): string {
  return s.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? `\${${name}}`);
}

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
    for (const tool of [
      'gcc',
      'make',
      'build-essential',
      'python3',
      'npm ci',
      'npm install',
      'tsc',
      'clang',
      'llvm',
    ]) {
      assert.ok(!run.includes(tool), `final stage runs ${tool}`);
    }
  });

  it('copies only built JavaScript and production dependencies into the final stage', () => {
    const copies = finalStage.filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.ok(
      copies.every((c) => c.startsWith('--from=build ')),
      copies.join('\n'),
    );
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
    const build = all
      .slice(0, fromIndexes.at(-1))
      .map((i) => i.args)
      .join('\n');
    assert.match(build, /npm prune --omit=dev/, 'dev dependencies pruned before the copy');
    assert.match(build, /rm -rf dist\/test dist\/bench/, 'tests are not shipped');
  });

  it('runs as a non-root user with bin/bpfq as the entry point', () => {
    const users = finalStage.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.deepEqual(users, ['node']);
    const entry = finalStage.find((i) => i.op === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(entry?.args ?? 'null'), ['/opt/bpfq/bin/bpfq']);
    assert.deepEqual(JSON.parse(finalStage.find((i) => i.op === 'CMD')?.args ?? 'null'), ['api']);
  });

  it('carries the OCI labels', () => {
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
  });

  it('has a .dockerignore that keeps local state out of the build context', () => {
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const p of ['.git', 'node_modules', 'dist', '.bpfq'])
      assert.ok(ignored.includes(p), `${p} not ignored`);
    // The build needs these; an ignore rule that swallowed them would break `make image`.
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'openapi.yaml']) {
      assert.ok(!ignored.includes(p), `${p} must reach the build`);
    }
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
