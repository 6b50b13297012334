// Every program of the code generation set, compiled against this machine (NodeHost), must
// pass the kernel's verifier; afterwards nothing of ours stays loaded. A rejection shows the
// verifier's own words and bpfq's disassembly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../compiler/compile.js';
import { disassemble } from '../../compiler/bpf/index.js';
import { formatDiagnostics } from '../../compiler/diagnostics.js';
import { NodeHost } from '../../host/node-host.js';
import { loadArtifact } from '../../worker/loader/load-artifact.js';
import { needs } from '../support/needs.js';
import { CODEGEN_PROGRAMS } from '../unit/codegen/programs.js';
import { acceptedCorpus } from '../unit/codegen/corpus.js';
import {
  assertNothingLeft,
  snapshot,
  workloadBinary,
  type KernelSnapshot,
} from './runtime-helpers.js';

describe('generated programs pass the kernel verifier', needs('bpf', 'tracefs', 'cc'), () => {
  let start: KernelSnapshot;
  const host = new NodeHost();
  before(() => {
    start = snapshot();
  });
  after(() => {
    assertNothingLeft(start);
  });

  for (const p of CODEGEN_PROGRAMS.filter((x) => x.kernel !== false)) {
    it(p.name, () => {
      const text = p.text.replaceAll('WORKLOAD', workloadBinary());
      const r = compile(text, { unsafe: p.unsafe ?? false, hasChild: true, cpid: 1 }, host);
      assert.ok(r.artifact, formatDiagnostics(r.diagnostics, { name: 'stdin', text }));
      let loaded;
      try {
        loaded = loadArtifact(r.artifact);
      } catch (err) {
        const listing = r.artifact.programs
          .map(
            (prog) =>
              `${prog.name}:\n${disassemble(new Uint8Array(Buffer.from(prog.insns, 'base64')), prog.mapRelocations)}`,
          )
          .join('\n');
        assert.fail(`${String(err)}\n${listing}`);
      }
      try {
        assert.equal(loaded.programs.length, r.artifact.programs.length);
        for (const prog of loaded.programs) assert.ok(prog.fd > 0);
      } finally {
        loaded.close();
      }
    });
  }

  // This kernel lacks CONFIG_BPF_KPROBE_OVERRIDE: bpf_override_return is refused, as it is
  // to bpftrace here.
  for (const c of acceptedCorpus().filter((x) => !x.text.includes('override('))) {
    it(`corpus: ${c.name}`, () => {
      const r = compile(
        { name: 'stdin', text: c.text },
        { unsafe: true, hasChild: true, cpid: 1, params: c.params },
        host,
      );
      assert.ok(r.artifact, formatDiagnostics(r.diagnostics, { name: 'stdin', text: c.text }));
      const loaded = loadArtifact(r.artifact);
      loaded.close();
    });
  }
});
