// Every entry of the diagnostic catalog, produced by a program, with its code and span: a
// new message without a case here fails the first test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckOptions } from '../../../compiler/check.js';
import { catalog, formatDiagnostic, type DiagnosticKey } from '../../../compiler/diagnostics.js';
import type { FakeHostOptions } from '../../support/fake-host.js';
import { run } from './helpers.js';

interface Case {
  program: string;
  /** [line, column, endColumn] of the diagnostic. */
  span: [number, number, number];
  options?: CheckOptions;
  host?: FakeHostOptions;
}

const CASES: Record<DiagnosticKey, Case> = {
  syntaxUnexpected: { program: 'BEGIN { @a = 1 @b = 2 }', span: [1, 16, 18] },
  unexpectedEof: { program: 'BEGIN { $x = 1 } END', span: [1, 18, 21] },
  unterminatedString: { program: 'BEGIN { @ = "abc }', span: [1, 13, 19] },
  unterminatedComment: { program: 'BEGIN { } /* x', span: [1, 11, 15] },
  invalidCharacter: { program: "BEGIN { @ = 'a'; }", span: [1, 13, 14] },
  invalidEscape: { program: 'BEGIN { @ = "\\q"; }', span: [1, 13, 16] },
  trailingNonNumeric: { program: 'BEGIN { @ = 08; }', span: [1, 13, 15] },
  integerTooLarge: { program: 'BEGIN { @ = 18446744073709551616; }', span: [1, 13, 33] },
  exponentOverflow: { program: 'BEGIN { @ = 5e20; }', span: [1, 13, 17] },
  emptyProgram: { program: '/* nothing */', span: [1, 1, 14] },
  invalidCDefinition: { program: 'struct a { int x }; BEGIN {}', span: [1, 18, 19] },
  unsupportedPreprocessor: { program: '#define F(x) x\nBEGIN {}', span: [1, 1, 15] },
  nestingTooDeep: {
    program: `BEGIN { @ = ${'('.repeat(300)}1${')'.repeat(300)}; }`,
    span: [1, 212, 213],
  },
  unknownTypeInDefinition: { program: 'struct a { nosuch x; }; BEGIN {}', span: [1, 12, 18] },
  undefinedVariable: { program: 'BEGIN { @ = $x; }', span: [1, 13, 15] },
  undefinedMap: { program: 'BEGIN { print(@nosuch); }', span: [1, 15, 22] },
  unknownFunction: { program: 'BEGIN { @ = foo(); }', span: [1, 13, 16] },
  unknownIdentifier: { program: 'BEGIN { @ = nosuchident; }', span: [1, 13, 24] },
  unknownStruct: { program: 'BEGIN { @ = (struct foo *)0; }', span: [1, 14, 26] },
  noSuchField: { program: 'BEGIN { @ = curtask->nosuch; }', span: [1, 13, 28] },
  fieldOnPointer: { program: 'BEGIN { @ = curtask.pid; }', span: [1, 13, 24] },
  fieldOnNonRecord: { program: 'BEGIN { @ = 1->x; }', span: [1, 13, 17] },
  varTypeMismatch: { program: 'BEGIN { $x = 1; $x = "a"; }', span: [1, 20, 21] },
  mapTypeMismatch: { program: 'BEGIN { @x = 1; @x = "a"; }', span: [1, 17, 19] },
  mapKeyMismatch: { program: 'BEGIN { @x[1] = 1; @x["a"] = 2; }', span: [1, 20, 27] },
  binopMismatch: { program: 'BEGIN { @ = pid + "a"; }', span: [1, 13, 22] },
  ternaryMismatch: { program: 'BEGIN { @ = 1 ? 2 : "a"; }', span: [1, 13, 24] },
  tupleMismatch: { program: 'BEGIN { $t = (1,2); $t = (1, "a"); }', span: [1, 24, 25] },
  tupleIndex: { program: 'BEGIN { @ = (1,2).5; }', span: [1, 13, 20] },
  tupleIndexOnNonTuple: { program: 'BEGIN { @ = 1.5; }', span: [1, 13, 16] },
  tupleAsMapKey: { program: 'BEGIN { @[(1,2)] = 1; }', span: [1, 9, 17] },
  indexOnNonArray: { program: 'BEGIN { @ = "abc"[1]; }', span: [1, 13, 21] },
  indexNotInteger: { program: 'BEGIN { @ = pton("1.2.3.4")["a"]; }', span: [1, 29, 32] },
  indexOutOfBounds: { program: 'BEGIN { @ = pton("1.2.3.4")[5]; }', span: [1, 13, 31] },
  invalidAssignment: { program: 'BEGIN { @ = *ctx; }', span: [1, 13, 17] },
  aggregateNotAssigned: { program: 'BEGIN { $x = count(); }', span: [1, 14, 21] },
  argCountNone: { program: 'BEGIN { @ = count(1); }', span: [1, 13, 21] },
  argCountOne: { program: 'BEGIN { @ = sum(); }', span: [1, 13, 18] },
  argCountExact: { program: 'BEGIN { @ = lhist(1, 0, 10); }', span: [1, 13, 28] },
  argCountAtLeast: { program: 'BEGIN { printf(); }', span: [1, 9, 17] },
  argCountAtMost: { program: 'BEGIN { @ = str(1, 2, 3); }', span: [1, 13, 25] },
  expectsLiteral: { program: 'BEGIN { printf(1); }', span: [1, 9, 18] },
  printfNotEnough: { program: 'BEGIN { printf("%d\\n"); }', span: [1, 9, 23] },
  printfTooMany: { program: 'BEGIN { printf("%d\\n", 1, 2); }', span: [1, 9, 29] },
  printfSpecType: { program: 'BEGIN { printf("%s\\n", 1); }', span: [1, 9, 26] },
  printfBadSpec: { program: 'BEGIN { printf("%k\\n", 1); }', span: [1, 9, 26] },
  unsafeFunction: { program: 'BEGIN { system("ls"); }', span: [1, 9, 21] },
  builtinWrongProbe: { program: 'BEGIN { @ = arg0; }', span: [1, 13, 17] },
  lhistStep: { program: 'BEGIN { @ = lhist(1, 0, 10, 0); }', span: [1, 13, 31] },
  lhistRange: { program: 'BEGIN { @ = lhist(1, 10, 0, 1); }', span: [1, 13, 31] },
  lhistMismatch: {
    program: 'BEGIN { @y = lhist(1,0,10,1); @y = lhist(1,0,20,1); }',
    span: [1, 36, 51],
  },
  loopJumpOutside: { program: 'BEGIN { break; }', span: [1, 9, 14] },
  unrollMin: { program: 'BEGIN { unroll(0) { } }', span: [1, 9, 18] },
  unrollMax: { program: 'BEGIN { unroll(101) {} }', span: [1, 9, 20] },
  positionalNotNumber: {
    program: 'BEGIN { @ = $1 + 1; }',
    span: [1, 13, 15],
    options: { params: ['abc'] },
  },
  castInvalid: { program: 'BEGIN { @ = (int8[4])1; }', span: [1, 13, 22] },
  unaryInvalid: { program: 'BEGIN { $x = -"a"; }', span: [1, 14, 15] },
  conditionType: { program: 'BEGIN { if ("a") {} }', span: [1, 13, 16] },
  aggregateInExpression: { program: 'BEGIN { @c = count(); $y = @c; }', span: [1, 28, 30] },
  invalidEnvValue: {
    program: 'BEGIN { }',
    span: [1, 1, 2],
    host: { env: { BPFTRACE_STRLEN: 'big' } },
  },
  callNotAllowed: {
    program: 'BEGIN { override(1); }',
    span: [1, 9, 20],
    options: { unsafe: true },
  },
  stackLimit: { program: 'BEGIN { @ = kstack(0); }', span: [1, 13, 22] },
  symbolNotFound: {
    program: 'uprobe:/bin/bash:readline { @ = uaddr("nosuch"); }',
    span: [1, 33, 48],
  },
  kernelSymbolNotFound: { program: 'BEGIN { @ = kaddr("nosuchsym"); }', span: [1, 13, 31] },
  invalidSignal: {
    program: 'kprobe:vfs_read { signal("SIGNOPE"); }',
    span: [1, 19, 36],
    options: { unsafe: true },
  },
  actionAsValue: { program: 'BEGIN { @x = printf("a"); }', span: [1, 14, 25] },
  onlySupports: { program: 'BEGIN { @ = sum("a"); }', span: [1, 13, 21] },
  mapExpected: { program: 'BEGIN { clear(1); }', span: [1, 9, 17] },
  mapIndexed: { program: 'BEGIN { @ = 1; clear(@[1]); }', span: [1, 16, 27] },
  stringLiteralTooLong: { program: `BEGIN { @x = "${'a'.repeat(70)}"; }`, span: [1, 14, 86] },
  contextToMap: { program: 'BEGIN { @ = ctx; }', span: [1, 11, 12] },
  lhistStepTooLarge: { program: 'BEGIN { @ = lhist(1, 0, 10, 20); }', span: [1, 13, 32] },
  lhistMinNegative: { program: 'BEGIN { @ = lhist(1, -1, 10, 1); }', span: [1, 13, 32] },
  lhistTooManyBuckets: { program: 'BEGIN { @ = lhist(1, 0, 10000000, 1); }', span: [1, 13, 37] },
  nonMapPrintArgs: { program: 'BEGIN { print(1, 2); }', span: [1, 9, 20] },
  invalidRegister: { program: 'kprobe:vfs_read { @ = reg("foo"); }', span: [1, 23, 33] },
  invalidAddress: { program: 'BEGIN { @ = pton("zz"); }', span: [1, 13, 23] },
  ntopSize: { program: 'BEGIN { @ = ntop("a"); }', span: [1, 13, 22] },
  stackLimitTooLarge: { program: 'BEGIN { @ = kstack(2000); }', span: [1, 13, 25] },
  comparisonOperands: { program: 'BEGIN { $x = "a" < "b"; }', span: [1, 18, 19] },
  bufNeedsLength: { program: 'BEGIN { @ = buf(comm); }', span: [1, 13, 22] },
  cgroupNotFound: { program: 'BEGIN { @ = cgroupid("/nope"); }', span: [1, 13, 30] },
  ternaryUnsupported: { program: 'BEGIN { $t = 1 ? (1, 2) : (3, 4); }', span: [1, 14, 33] },
  signsDiffer: { program: 'BEGIN { $a = (int32)-1; @ = $a < pid; }', span: [1, 32, 33] },
  castToRecord: { program: 'struct P { int a; } BEGIN { $p = (struct P)1; }', span: [1, 34, 45] },
  castUnsupported: { program: 'BEGIN { $x = (uint8)comm; }', span: [1, 14, 21] },
  predicateType: { program: 'BEGIN /comm/ {}', span: [1, 8, 12] },
  derefRecord: { program: 'BEGIN { @ = (*curtask)->pid; }', span: [1, 14, 28] },
  cpidWithoutChild: { program: 'BEGIN { @ = cpid; }', span: [1, 13, 17] },
  notInProbe: { program: 'BEGIN { @ = reg("ip"); }', span: [1, 13, 22] },
  usdtArgIndex: { program: 'usdt:/tmp/tracetest:testprobe { @ = arg1; }', span: [1, 37, 41] },
  expectsIntOrPointer: { program: 'BEGIN { @ = ksym("a"); }', span: [1, 13, 22] },
  strFirstArg: { program: 'BEGIN { @ = str("abc"); }', span: [1, 13, 23] },
  printfTooManyArgs: {
    program: `BEGIN { printf("${'%d'.repeat(33)}", ${Array(33).fill('1').join(', ')}); }`,
    span: [1, 9, 184],
  },
  tooManyProbes: {
    program: 'tracepoint:sched:* { }',
    span: [1, 1, 19],
    host: { env: { BPFTRACE_MAX_PROBES: '3' } },
  },
  strlenTooLarge: {
    program: 'BEGIN { }',
    span: [1, 1, 2],
    host: { env: { BPFTRACE_STRLEN: '201' } },
  },
  invalidProbeType: { program: 'foo:bar { }', span: [1, 1, 8] },
  probeArgCount: { program: 'tracepoint:syscalls { }', span: [1, 1, 20] },
  tracepointNotFound: { program: 'tracepoint:nosuch:thing { }', span: [1, 1, 24] },
  noMatch: { program: 'kprobe:nosuch* { }', span: [1, 1, 15] },
  binaryNotFound: { program: 'uprobe:/bin/nosuch:f { }', span: [1, 1, 21] },
  symbolMissing: { program: 'uprobe:/bin/bash:nosuch { }', span: [1, 1, 24] },
  usdtNotFound: { program: 'usdt:/tmp/tracetest:nope { }', span: [1, 1, 25] },
  invalidProbeNumber: { program: 'software:faults:x { }', span: [1, 1, 18] },
  duplicateSpecialProbe: { program: 'END { } END { }', span: [1, 9, 12] },
  softwareUnknown: { program: 'software:nosuch { }', span: [1, 1, 16] },
  hardwareUnknown: { program: 'hardware:nosuch { }', span: [1, 1, 16] },
  offsetNotAllowed: { program: 'kretprobe:vfs_read+4 { }', span: [1, 1, 21] },
  btfFunctionNotFound: { program: 'kfunc:nosuch { }', span: [1, 1, 13] },
  timeUnit: { program: 'profile:xs:99 { }', span: [1, 1, 14] },
  positiveRate: { program: 'profile:hz:0 { }', span: [1, 1, 13] },
  watchpointLength: { program: 'watchpoint:0x1000:3:rw { }', span: [1, 1, 23] },
  watchpointMode: { program: 'watchpoint:0x1000:8:rwx { }', span: [1, 1, 24] },
  watchpointModeChars: { program: 'watchpoint:0x1000:8:q { }', span: [1, 1, 22] },
  rawTracepointNotFound: { program: 'rawtracepoint:nosuch { }', span: [1, 1, 21] },
  emptyAttachPoint: { program: '"" { }', span: [1, 1, 3] },
  hostError: { program: 'uprobe:/etc/hostname:f { }', span: [1, 1, 23] },
  mapTopDivIgnored: { program: 'BEGIN { @ = stats(1); print(@, 2); }', span: [1, 23, 34] },
  debugf: { program: 'BEGIN { debugf("x"); }', span: [1, 9, 20] },
  fieldTypeDiffers: {
    program:
      'tracepoint:sched:sched_wait_task, tracepoint:signal:signal_generate { @[args->comm] = count(); }',
    span: [1, 73, 83],
  },
  contextAsKey: { program: 'software:faults { @b[ctx] = 1; }', span: [1, 19, 26] },
  ctxInTracepoint: {
    program: 'tracepoint:syscalls:sys_enter_read { @ = ctx + 1; }',
    span: [1, 42, 45],
  },
  notPrintable: { program: 'kprobe:vfs_read { print(curtask); }', span: [1, 19, 33] },
  noFunctionParam: { program: 'uprobe:./w:f_ints { print(args->ii); }', span: [1, 27, 35] },
  paramUnsupported: { program: 'uprobe:./w:f_val { print(args->d); }', span: [1, 26, 33] },
  argsToVariable: { program: 'uprobe:./w:f_ints { $a = args; print($a->i); }', span: [1, 24, 25] },
  noDebuginfo: { program: 'uprobe:./wnodw:f_ints { print(args->i); }', span: [1, 1, 22] },
  mixedArgs: {
    program: 'uprobe:./w:f_ints,uprobe:./w:f_neg { print(args->i); }',
    span: [1, 19, 35],
  },
  noProbes: { program: 'kprobe:vfs_* { }', span: [1, 1, 13], host: { kernelFunctions: false } },
  kernelFunctionsUnknown: {
    program: 'kprobe:vfs_* { } BEGIN { }',
    span: [1, 1, 13],
    host: { kernelFunctions: false },
  },
  notTraceable: { program: 'kprobe:nosuchfn_xyz { }', span: [1, 1, 20] },
};

describe('diagnostic catalog', () => {
  it('has a case for every message', () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(catalog).sort());
  });

  it('has unique codes', () => {
    const codes = Object.values(catalog).map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
  });

  for (const [key, c] of Object.entries(CASES) as [DiagnosticKey, Case][]) {
    it(`${catalog[key].code} ${key}`, () => {
      const r = run(c.program, c.options ?? {}, c.host ?? {});
      // The case's diagnostic is the first one, or the first error after warnings.
      const d = r.diagnostics.find((x) => x.code === catalog[key].code);
      assert.ok(d, `${catalog[key].code} in ${r.diagnostics.map((x) => x.code).join(', ')}`);
      assert.ok(r.diagnostics.indexOf(d) === 0 || r.diagnostics[0]?.severity === 'warning');
      assert.equal(d.severity, catalog[key].severity);
      assert.deepEqual([d.span.line, d.span.column, d.span.endColumn], c.span);
      // Errors stop the compile; warnings alone do not.
      assert.equal(
        r.program === undefined,
        r.diagnostics.some((x) => x.severity === 'error'),
      );
      // Formatting never fails and names the line and column.
      const text = formatDiagnostic(d, { name: 'stdin', text: c.program });
      assert.ok(text.startsWith(`stdin:${c.span[0]}:${c.span[1]}-`), text);
    });
  }
});
