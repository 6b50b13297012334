// The API never loads worker code, not even indirectly: lint checks api/'s own imports, this
// follows every relative import (static and dynamic) from the API's built modules and the
// commands that run it, through service/, compiler/ and host/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? jsFiles(join(dir, e.name))
      : e.name.endsWith('.js')
        ? [join(dir, e.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g),
  ].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s)).filter((p) => existsSync(p));
}

describe('API import graph', () => {
  it('reaches no worker/ module from api/ or bpfq api', () => {
    const roots = [...jsFiles(join(dist, 'api')), join(dist, 'cli/api.js')];
    const seen = new Set<string>();
    const parent = new Map<string, string>();
    const queue = [...roots];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dep of importsOf(file)) {
        if (!parent.has(dep)) parent.set(dep, file);
        queue.push(dep);
      }
    }
    assert.ok(seen.size > 20, `followed ${seen.size} modules`);
    assert.ok(
      [...seen].some((f) => f.includes('/service/')),
      'the walk reaches service/',
    );
    const worker = [...seen].filter((f) => relative(dist, f).startsWith('worker/'));
    const chain = (f: string): string => {
      const path = [f];
      while (parent.has(path[0]!) && path.length < 20) path.unshift(parent.get(path[0]!)!);
      return path.map((p) => relative(dist, p)).join(' -> ');
    };
    assert.deepEqual(worker.map(chain), []);
  });
});
