// openapi.yaml is the API's source of truth: the generated types the API code compiles
// against must be what `npm run gen` makes from it now (not stale), and the document itself
// must hold together (every $ref resolves, every schema compiles as JSON Schema 2020-12,
// every /v1 operation is authenticated and documents its 401).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Doc {
  security?: unknown[];
  paths: Record<
    string,
    Record<
      string,
      { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }
    >
  >;
  components: { schemas: Record<string, unknown> };
}

const doc = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8')) as Doc;

describe('openapi.yaml', () => {
  it('generates exactly api/generated/openapi.ts (run `npm run gen` after editing the yaml)', () => {
    const dir = join(root, 'test/.tmp');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `openapi-${process.pid}.ts`);
    try {
      const bin = (name: string): string => join(root, 'node_modules/.bin', name);
      execFileSync(bin('openapi-typescript'), ['openapi.yaml', '-o', out], {
        cwd: root,
        stdio: 'ignore',
      });
      // The same prettier settings as the checked-in file (test/.tmp is not ignored by them).
      execFileSync(
        bin('prettier'),
        ['--write', '--config', '.prettierrc.json', '--ignore-path', '', out],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      assert.equal(
        readFileSync(out, 'utf8'),
        readFileSync(join(root, 'api/generated/openapi.ts'), 'utf8'),
        'api/generated/openapi.ts is stale: run `npm run gen`',
      );
    } finally {
      rmSync(out, { force: true });
    }
  });

  it('resolves every $ref and compiles every schema as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('date-time', true);
    ajv.addSchema({ ...(doc as object), $id: 'openapi.json' });
    const names = Object.keys(doc.components.schemas);
    assert.ok(names.length > 10);
    for (const name of names) {
      assert.doesNotThrow(
        () => ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` }),
        name,
      );
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const ref of refs) {
      const path = ref.slice(8, -1).split('/').slice(1);
      let node: unknown = doc;
      for (const part of path) node = (node as Record<string, unknown>)[part];
      assert.ok(node !== undefined, `${ref} does not resolve`);
    }
  });

  it('authenticates every /v1 operation and documents its 401; operation ids are unique', () => {
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method === 'parameters') continue;
        assert.ok(op.operationId, `${method} ${path} has an operationId`);
        assert.ok(!ids.has(op.operationId), `duplicate ${op.operationId}`);
        ids.add(op.operationId);
        if (path.startsWith('/v1/')) {
          assert.equal(op.security, undefined, `${method} ${path} must not opt out of auth`);
          assert.ok('401' in op.responses, `${method} ${path} documents 401`);
        } else {
          assert.deepEqual(op.security, [], `${method} ${path} is public`);
        }
      }
    }
  });
});
