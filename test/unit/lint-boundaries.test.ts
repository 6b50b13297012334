// The architecture's import fences are lint rules (eslint.config.js). These tests feed
// deliberate violations to ESLint and check each one is caught, and that allowed imports pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  assert.ok(result, 'eslint returned no result');
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('keeps the compiler free of file system, child processes and network', async () => {
    for (const mod of ['node:fs', 'fs/promises', 'node:child_process', 'node:net', 'node:http']) {
      const msgs = await restrictedImports(
        'compiler/probe.ts',
        `import * as m from '${mod}';\nexport const x = m;\n`,
      );
      assert.equal(msgs.length, 1, `${mod} was not caught in compiler/`);
      assert.match(msgs[0]!, /compiler\/ is pure/);
    }
  });

  it('keeps the compiler from importing the worker or the api', async () => {
    const msgs = await restrictedImports(
      'compiler/probe.ts',
      `import { x } from '../worker/runtime/session.js';\nexport const y = x;\n`,
    );
    assert.equal(msgs.length, 1);
  });

  it('allows koffi only under worker/libbpf', async () => {
    const code = `import koffi from 'koffi';\nexport const k = koffi;\n`;
    assert.equal((await restrictedImports('worker/loader/probe.ts', code)).length, 1);
    assert.equal((await restrictedImports('api/probe.ts', code)).length, 1);
    assert.equal((await restrictedImports('cli/probe.ts', code)).length, 1);
    assert.deepEqual(await restrictedImports('worker/libbpf/probe.ts', code), []);
  });

  it('allows express only under api', async () => {
    const code = `import express from 'express';\nexport const e = express;\n`;
    assert.equal((await restrictedImports('worker/service/probe.ts', code)).length, 1);
    assert.deepEqual(await restrictedImports('api/probe.ts', code), []);
  });

  it('keeps api from importing the worker', async () => {
    const msgs = await restrictedImports(
      'api/probe.ts',
      `import { x } from '../worker/runtime/session.js';\nexport const y = x;\n`,
    );
    assert.equal(msgs.length, 1);
    assert.match(msgs[0]!, /api\/ never imports worker/);
  });
});
