// Compiling test programs against the fake host, and running them in the test interpreter.
import assert from 'node:assert/strict';
import type { Artifact, ProgramArtifact } from '../../../compiler/artifact.js';
import { compile, type CompileOptions } from '../../../compiler/compile.js';
import { formatDiagnostics } from '../../../compiler/diagnostics.js';
import { FakeHost } from '../../support/fake-host.js';
import { Interpreter, type RunResult } from './bpf-interpreter.js';

export function compileOk(
  text: string,
  options: CompileOptions = {},
  host = new FakeHost(),
): Artifact {
  const r = compile(text, options, host);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, formatDiagnostics(errors, { name: 'stdin', text }));
  assert.ok(r.artifact, 'no artifact');
  return r.artifact;
}

export function programBytes(p: ProgramArtifact): Uint8Array {
  return new Uint8Array(Buffer.from(p.insns, 'base64'));
}

/** Runs program `index` of the artifact once; the interpreter keeps the maps for inspection. */
export function runProgram(
  artifact: Artifact,
  index = 0,
  ctx = 0n,
): { vm: Interpreter; result: RunResult } {
  const vm = new Interpreter({ maps: artifact.maps, ctx });
  const p = artifact.programs[index];
  assert.ok(p, `no program ${index}`);
  const result = vm.run(programBytes(p), p.mapRelocations);
  return { vm, result };
}

export function u64le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

export function readU64(bytes: Uint8Array, off = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(off, true);
}

export function readI64(bytes: Uint8Array, off = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(off, true);
}
