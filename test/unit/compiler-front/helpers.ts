// Shared helpers for the front-end tests: check a program against the fake host (with the
// DWARF binaries of dwarf-host.ts) and get its program or its diagnostics.
import assert from 'node:assert/strict';
import { check, type CheckOptions } from '../../../compiler/check.js';
import type { Diagnostic } from '../../../compiler/diagnostics.js';
import { formatDiagnostics } from '../../../compiler/diagnostics.js';
import type { CheckedProgram } from '../../../compiler/front/ast.js';
import type { FakeHostOptions } from '../../support/fake-host.js';
import { DwarfFakeHost } from './dwarf-host.js';

export function run(
  text: string,
  options: CheckOptions = {},
  hostOptions: FakeHostOptions = {},
): { program?: CheckedProgram; diagnostics: Diagnostic[] } {
  return check({ name: 'stdin', text }, options, new DwarfFakeHost(hostOptions));
}

/** Checks a program that must be accepted; fails with bpftrace-style text otherwise. */
export function ok(
  text: string,
  options: CheckOptions = {},
  hostOptions: FakeHostOptions = {},
): CheckedProgram {
  const r = run(text, options, hostOptions);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, formatDiagnostics(errors, { name: 'stdin', text }));
  assert.ok(r.program, 'a checked program');
  return r.program;
}

/** The first error of a program that must be rejected. */
export function firstError(
  text: string,
  options: CheckOptions = {},
  hostOptions: FakeHostOptions = {},
): Diagnostic {
  const r = run(text, options, hostOptions);
  assert.equal(r.program, undefined, `expected ${text} to be rejected`);
  const d = r.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, 'an error diagnostic');
  return d;
}

/** `[line, column, endColumn]` of a single-line span. */
export function at(d: Diagnostic): [number, number, number] {
  return [d.span.line, d.span.column, d.span.endColumn];
}
