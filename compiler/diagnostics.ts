// Diagnostics are data: a stable code, a message from the one catalog below, a span and
// optional hints. formatDiagnostic renders them in bpftrace 0.17's shape:
//
//   stdin:1:13-19: ERROR: hist() requires one argument (0 provided)
//   BEGIN { @ = hist(); }
//               ~~~~~~
//
// Codes are grouped: E1xxx lexing and parsing, E2xxx names and types, E3xxx resources and
// limits, E4xxx probes, E5xxx code generation; warnings are W followed by the same groups.
// Messages follow bpftrace 0.17's wording; where 0.17 is unclear (e.g. "Invalid probe type"
// without naming it) bpfq says more.
import type { SourceSpan } from './artifact.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: SourceSpan;
  hints?: string[];
}

type Entry = { code: string; severity: Severity; message: (...args: never[]) => string };

function e<A extends unknown[]>(code: string, message: (...args: A) => string) {
  return { code, severity: 'error' as const, message };
}
function w<A extends unknown[]>(code: string, message: (...args: A) => string) {
  return { code, severity: 'warning' as const, message };
}

/** Every message bpfq's front end can produce, by key. */
export const catalog = {
  // --- E1xxx: lexing and parsing
  syntaxUnexpected: e('E1001', (found: string, expected?: string) =>
    expected === undefined
      ? `syntax error, unexpected ${found}`
      : `syntax error, unexpected ${found}, expecting ${expected}`,
  ),
  unexpectedEof: e('E1002', (expected: string) => `unexpected end of file, expected ${expected}`),
  unterminatedString: e('E1003', () => 'unterminated string'),
  unterminatedComment: e('E1004', () => 'unterminated comment'),
  invalidCharacter: e('E1005', (ch: string) => `invalid character '${ch}'`),
  invalidEscape: e('E1006', (esc: string) => `invalid escape character '\\${esc}'`),
  trailingNonNumeric: e('E1007', () => 'Found trailing non-numeric characters'),
  integerTooLarge: e('E1008', (text: string) => `integer literal out of range: ${text}`),
  exponentOverflow: e('E1009', (exp: string) => `Exponent will overflow integer range: ${exp}`),
  emptyProgram: e('E1010', () => 'unexpected end of file, expected {'),
  invalidCDefinition: e('E1011', (why: string) => `invalid C definition: ${why}`),
  unsupportedPreprocessor: e(
    'E1012',
    (what: string) => `unsupported preprocessor directive: ${what}`,
  ),
  nestingTooDeep: e(
    'E1015',
    (max: number) => `program nested too deeply (more than ${max} levels)`,
  ),
  unknownTypeInDefinition: e('E1014', (name: string) => `Unknown type in C definition: '${name}'`),

  // --- E2xxx: names and types
  undefinedVariable: e('E2001', (name: string) => `Undefined or undeclared variable: ${name}`),
  undefinedMap: e('E2002', (name: string) => `Undefined map: ${name}`),
  unknownFunction: e('E2003', (name: string) => `Unknown function: ${name}`),
  unknownIdentifier: e('E2004', (name: string) => `Unknown identifier: '${name}'`),
  unknownStruct: e('E2005', (name: string) => `Unknown struct/union: '${name}'`),
  noSuchField: e(
    'E2006',
    (record: string, field: string) =>
      `Struct/union of type '${record}' does not contain a field named '${field}'`,
  ),
  fieldOnPointer: e(
    'E2007',
    (field: string, type: string) =>
      `Can not access field '${field}' on type '${type}'. Try dereferencing it first, or using '->'`,
  ),
  fieldOnNonRecord: e(
    'E2008',
    (field: string, type: string) =>
      `Can not access field '${field}' on expression of type '${type}'`,
  ),
  varTypeMismatch: e(
    'E2010',
    (name: string, got: string, have: string) =>
      `Type mismatch for ${name}: trying to assign value of type '${got}' when variable already contains a value of type '${have}'`,
  ),
  mapTypeMismatch: e(
    'E2011',
    (name: string, got: string, have: string) =>
      `Type mismatch for ${name}: trying to assign value of type '${got}' when map already contains a value of type '${have}'`,
  ),
  mapKeyMismatch: e(
    'E2012',
    (name: string, got: string, want: string) =>
      `Argument mismatch for ${name}: trying to access with arguments: [${got}] when map expects arguments: [${want}]`,
  ),
  binopMismatch: e(
    'E2013',
    (op: string, left: string, right: string) =>
      `Type mismatch for '${op}': comparing '${left}' with '${right}'`,
  ),
  ternaryMismatch: e(
    'E2014',
    (a: string, b: string) => `Ternary operator must return the same type: have '${a}' and '${b}'`,
  ),
  tupleMismatch: e('E2015', (a: string, b: string) => `Tuple type mismatch: ${a} != ${b}.`),
  tupleIndex: e(
    'E2016',
    (index: number, count: number) =>
      `Invalid tuple index: ${index}. Found ${count} elements in tuple.`,
  ),
  tupleIndexOnNonTuple: e(
    'E2017',
    (index: number, type: string) =>
      `Can not access index ${index} on expression of type '${type}'`,
  ),
  tupleAsMapKey: e(
    'E2018',
    () =>
      'tuple cannot be used as a map key. Try a multi-key associative array instead (eg `@map[$1, $2] = ...)`.',
  ),
  indexOnNonArray: e(
    'E2019',
    (type: string) =>
      `The array index operator [] can only be used on arrays and pointers, found ${type}.`,
  ),
  indexNotInteger: e(
    'E2020',
    (type: string) => `The array index must be an integer, found ${type}.`,
  ),
  indexOutOfBounds: e(
    'E2021',
    (index: string, count: number) =>
      `the index ${index} is out of bounds for array of size ${count}`,
  ),
  invalidAssignment: e('E2022', (type: string) => `Invalid expression for assignment: ${type}`),
  aggregateNotAssigned: e(
    'E2023',
    (name: string) => `${name}() should be directly assigned to a map`,
  ),
  argCountNone: e(
    'E2024',
    (name: string, n: number) => `${name}() requires no arguments (${n} provided)`,
  ),
  argCountOne: e(
    'E2025',
    (name: string, n: number) => `${name}() requires one argument (${n} provided)`,
  ),
  argCountExact: e(
    'E2026',
    (name: string, want: number, n: number) =>
      `${name}() requires ${want} arguments (${n} provided)`,
  ),
  argCountAtLeast: e(
    'E2027',
    (name: string, want: number, n: number) =>
      `${name}() requires at least ${want} argument${want === 1 ? '' : 's'} (${n} provided)`,
  ),
  argCountAtMost: e(
    'E2028',
    (name: string, want: number, n: number) =>
      `${name}() takes up to ${want} arguments (${n} provided)`,
  ),
  expectsLiteral: e(
    'E2029',
    (name: string, what: string, got: string) =>
      `${name}() expects a ${what} literal (${got} provided)`,
  ),
  printfNotEnough: e(
    'E2031',
    (fn: string, got: number, want: number) =>
      `${fn}: Not enough arguments for format string (${got} supplied, ${want} expected)`,
  ),
  printfTooMany: e(
    'E2032',
    (fn: string, got: number, want: number) =>
      `${fn}: Too many arguments for format string (${got} supplied, ${want} expected)`,
  ),
  printfSpecType: e(
    'E2033',
    (fn: string, spec: string, want: string, got: string) =>
      `${fn}: %${spec} specifier expects a value of type ${want} (${got} supplied)`,
  ),
  printfBadSpec: e(
    'E2034',
    (fn: string, spec: string) => `${fn}: Invalid format string specifier '%${spec}'`,
  ),
  unsafeFunction: e(
    'E2035',
    (name: string) => `${name}() is an unsafe function being used in safe mode`,
  ),
  builtinWrongProbe: e('E2036', (text: string) => text),
  lhistStep: e('E2037', (step: string) => `lhist() step must be >= 1 (${step} provided)`),
  lhistRange: e(
    'E2038',
    (min: string, max: string) =>
      `lhist() min must be less than max (provided min ${min} and max ${max})`,
  ),
  lhistMismatch: e('E2040', () => 'Different lhist bounds in a single map unsupported'),
  loopJumpOutside: e('E2041', (what: string) => `${what} used outside of a loop`),
  unrollMin: e('E2042', () => 'unroll minimum value is 1'),
  unrollMax: e('E2043', () => 'unroll maximum value is 100'),
  positionalNotNumber: e(
    'E2044',
    (n: number, value: string) =>
      `$${n} used numerically but given "${value}". Try using str($${n}).`,
  ),
  castInvalid: e('E2046', (from: string, to: string) => `Cannot cast from "${from}" to "${to}"`),
  unaryInvalid: e(
    'E2048',
    (op: string, type: string) =>
      `The ${op} operator can not be used on expressions of type '${type}'`,
  ),
  conditionType: e(
    'E2049',
    (what: string, type: string) => `Invalid condition in ${what}: ${type}`,
  ),
  aggregateInExpression: e(
    'E2051',
    (name: string, type: string) =>
      `${name}: a '${type}' map holds per-CPU values and cannot be read in an expression`,
  ),
  invalidEnvValue: e('E2059', (name: string, why: string) => `${name}: ${why}`),
  callNotAllowed: e('E2060', (text: string) => text),
  stackLimit: e('E2064', (fn: string, max: number) => `${fn}() limit must be between 1 and ${max}`),
  symbolNotFound: e('E2067', (sym: string) => `Could not resolve symbol: ${sym}`),
  kernelSymbolNotFound: e('E2068', (sym: string) => `Failed to resolve kernel symbol: ${sym}`),
  invalidSignal: e('E2069', (sig: string) => `${sig} is not a valid signal`),
  actionAsValue: e(
    'E2071',
    (name: string) => `${name}() should not be used in an assignment or as a map key`,
  ),
  onlySupports: e(
    'E2072',
    (name: string, what: string, got: string) =>
      `${name}() only supports ${what} arguments (${got} provided)`,
  ),
  mapExpected: e('E2073', (name: string) => `${name}() expects a map to be provided`),
  mapIndexed: e(
    'E2074',
    (name: string) => `The map passed to ${name}() should not be indexed by a key`,
  ),
  stringLiteralTooLong: e(
    'E2075',
    (max: number, text: string) => `String is too long (over ${max} bytes): ${text}`,
  ),
  contextToMap: e('E2076', () => 'context cannot be assigned to a map'),
  lhistStepTooLarge: e(
    'E2077',
    (step: string, range: string) =>
      `lhist() step is too large for the given range (provided step ${step} for range ${range})`,
  ),
  lhistMinNegative: e(
    'E2078',
    (min: string) => `lhist() min must be non-negative (provided min ${min})`,
  ),
  lhistTooManyBuckets: e(
    'E2079',
    (n: string) => `lhist() too many buckets, must be <= 1000 (would need ${n})`,
  ),
  nonMapPrintArgs: e('E2080', (n: number) => `Non-map print() only takes 1 argument, ${n} found`),
  invalidRegister: e(
    'E2081',
    (name: string) => `'${name}' is not a valid register on this architecture (x86_64)`,
  ),
  invalidAddress: e(
    'E2082',
    (text: string) => `pton() expects an string argument of an IPv4/IPv6 address, got ${text}`,
  ),
  ntopSize: e('E2083', () => 'ntop() argument must be 4 or 16 bytes in size'),
  stackLimitTooLarge: e(
    'E2084',
    (fn: string, max: number, n: string) =>
      `${fn}([int limit]): limit shouldn't exceed ${max}, ${n} given`,
  ),
  comparisonOperands: e(
    'E2085',
    (op: string, a: string, b: string) =>
      `The ${op} operator can not be used on expressions of types ${a}, ${b}`,
  ),
  castUnsupported: e('E2086', (type: string) => `Casts are not supported for type: "${type}"`),
  predicateType: e('E2087', (type: string) => `Invalid type for predicate: ${type}`),
  derefRecord: e(
    'E2088',
    (name: string) => `Can not dereference struct/union of type '${name}'. It is not a pointer.`,
  ),
  cpidWithoutChild: e('E2089', () => 'cpid cannot be used without child command'),
  notInProbe: e(
    'E2090',
    (fn: string, probe: string) => `${fn} can not be used with "${probe}" probes`,
  ),
  usdtArgIndex: e(
    'E2091',
    (probe: string, n: number) => `${probe}: the probe has only ${n} argument${n === 1 ? '' : 's'}`,
  ),
  expectsIntOrPointer: e(
    'E2092',
    (name: string) => `${name}() expects an integer or pointer argument`,
  ),
  strFirstArg: e(
    'E2093',
    (got: string) =>
      `str() expects an integer or a pointer type as first argument (${got} provided)`,
  ),
  fieldTypeDiffers: e(
    'E2098',
    (field: string, a: string, b: string) =>
      `Field '${field}' has different types in the events of this probe block ('${a}' and '${b}')`,
  ),
  bufNeedsLength: e(
    'E2100',
    (kind: string) => `buf() expects a length argument for non-array type ${kind}`,
  ),
  cgroupNotFound: e('E2101', (path: string) => `Failed to get \`cgroupid\` for path: "${path}"`),
  ternaryUnsupported: e('E2102', (kind: string) => `Ternary return type unsupported ${kind}`),
  castToRecord: e('E2099', (type: string) => `Cannot cast to struct type "${type}"`),
  contextAsKey: e('E2097', () => 'context cannot be used as a map key'),
  ctxInTracepoint: e('E2096', () => 'Use args instead of ctx in tracepoint'),
  notPrintable: e('E2095', (type: string) => `${type} type passed to print() is not printable`),
  noFunctionParam: e('E2103', (name: string) => `Can't find function parameter ${name}`),
  paramUnsupported: e('E2104', (name: string) => `${name} has unsupported type`),
  argsToVariable: e('E2105', () => 'args cannot be assigned to a variable'),
  printfTooManyArgs: e(
    'E2094',
    (fn: string, max: number) => `${fn}: too many arguments (at most ${max})`,
  ),

  // --- E3xxx: resources and limits
  tooManyProbes: e(
    'E3001',
    (n: number, max: number) =>
      `Your program is trying to generate more than ${max} BPF programs (${n}). Set BPFTRACE_MAX_PROBES to a higher value.`,
  ),
  strlenTooLarge: e(
    'E3002',
    (n: number) => `BPFTRACE_STRLEN of ${n} exceeds the maximum of 200 bytes`,
  ),

  // --- E4xxx: probes
  invalidProbeType: e('E4001', (type: string) => `Invalid probe type: '${type}'`),
  probeArgCount: e('E4002', (type: string, want: string) => `${type} probe type requires ${want}`),
  tracepointNotFound: e('E4003', (name: string, wildcard: boolean) =>
    wildcard ? `tracepoints not found: ${name}` : `tracepoint not found: ${name}`,
  ),
  noMatch: e('E4004', (pattern: string) => `No probes to attach: '${pattern}' matches nothing`),
  binaryNotFound: e(
    'E4005',
    (kind: string, name: string) =>
      `${kind} target file '${name}' does not exist or is not executable`,
  ),
  symbolMissing: e(
    'E4006',
    (path: string, func: string) => `Could not resolve symbol: ${path}:${func}`,
  ),
  usdtNotFound: e('E4007', (probe: string) => `Failed to find usdt probe: ${probe}`),
  invalidProbeNumber: e(
    'E4008',
    (text: string, what: string) => `invalid ${what} '${text}': expected an integer`,
  ),
  duplicateSpecialProbe: e('E4009', (name: string) => `More than one ${name} probe defined`),
  softwareUnknown: e('E4010', (name: string) => `${name} is not a software probe`),
  hardwareUnknown: e('E4011', (name: string) => `${name} is not a hardware probe`),
  offsetNotAllowed: e('E4013', () => 'Offset not allowed'),
  btfFunctionNotFound: e('E4014', (name: string) => `No BTF found for ${name}`),
  timeUnit: e('E4015', (unit: string) => `${unit} is not an accepted unit of time`),
  positiveRate: e(
    'E4016',
    (probe: string, what: string) => `${probe} ${what} should be a positive integer`,
  ),
  watchpointLength: e('E4017', () => 'watchpoint length must be one of (1,2,4,8)'),
  watchpointMode: e('E4018', (mode: string) => `invalid watchpoint mode: ${mode}`),
  watchpointModeChars: e('E4019', () => 'watchpoint mode must be combination of (r,w,x)'),
  rawTracepointNotFound: e('E4020', (name: string) => `raw tracepoint not found: ${name}`),
  emptyAttachPoint: e('E4021', () => 'empty attach point'),
  hostError: e('E4022', (probe: string, why: string) => `${probe}: ${why}`),
  noProbes: e('E4023', () => 'No probes to attach'),
  noDebuginfo: e('E4024', (binary: string) => `No debuginfo found for ${binary}`),
  mixedArgs: e('E4025', () => 'Probe has attach points with mixed arguments'),

  // --- W: warnings
  signsDiffer: w(
    'W2004',
    (what: string, a: string, b: string) =>
      `${what} integers of different signs: '${a}' and '${b}' can lead to undefined behavior`,
  ),
  mapTopDivIgnored: w(
    'W2002',
    () => "print()'s top and div arguments are ignored when used on stats() maps.",
  ),
  debugf: w(
    'W2003',
    () =>
      'The debugf() builtin is not recommended for production use. For more information see bpf_trace_printk in bpf-helpers(7).',
  ),
  kernelFunctionsUnknown: w(
    'W4002',
    (pattern: string) =>
      `the kernel's function list is not readable here (no kprobe support): '${pattern}' matches nothing`,
  ),
  notTraceable: w(
    'W4001',
    (func: string) =>
      `${func} is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail`,
  ),
} satisfies Record<string, Entry>;

export type DiagnosticKey = keyof typeof catalog;
export type DiagnosticArgs<K extends DiagnosticKey> = Parameters<(typeof catalog)[K]['message']>;
type Args<K extends DiagnosticKey> = DiagnosticArgs<K>;

export function diagnostic<K extends DiagnosticKey>(
  key: K,
  span: SourceSpan,
  ...args: Args<K>
): Diagnostic {
  const entry = catalog[key];
  // The catalog's message functions take different tuples; Args<K> matches entry K.
  const message = (entry.message as (...a: unknown[]) => string)(...args);
  return { code: entry.code, severity: entry.severity, message, span };
}

export function withHints(d: Diagnostic, ...hints: string[]): Diagnostic {
  return { ...d, hints: [...(d.hints ?? []), ...hints] };
}

/** Collects diagnostics for one pass; passes never print. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  report<K extends DiagnosticKey>(key: K, span: SourceSpan, ...args: Args<K>): Diagnostic {
    const d = diagnostic(key, span, ...args);
    this.items.push(d);
    return d;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

export interface DiagnosticSource {
  /** `stdin` for `-e` programs, else the file name as given. */
  name: string;
  text: string;
}

/**
 * bpftrace's shape: `NAME:LINE:COL-ENDCOL: ERROR: message`, the source line, then `~` under
 * the span (columns are 1-based, the end is exclusive). A span over several lines prints as
 * `NAME:LINE-ENDLINE: ERROR: message` alone, as bpftrace does.
 */
export function formatDiagnostic(d: Diagnostic, source: DiagnosticSource): string {
  const label = d.severity === 'error' ? 'ERROR' : 'WARNING';
  const lines = source.text.split('\n');
  const { line, column } = d.span;
  const lineText = (lines[line - 1] ?? '').replace(/\r$/, '');
  if (d.span.endLine > line) {
    // Over several lines bpftrace names the lines and shows no source.
    return `${source.name}:${line}-${d.span.endLine}: ${label}: ${d.message}\n`;
  }
  const lastColumn = d.span.empty ? column : Math.max(d.span.endColumn, column + 1);
  const head = `${source.name}:${line}:${column}-${lastColumn}: ${label}: ${d.message}\n`;
  // An empty line (the end of a file after its last newline) is not shown at all.
  if (lineText === '') return head;
  // bpftrace prints a tab as four spaces, in the source line and in the caret's indent
  // (columns still count it as one character).
  let pad = '';
  for (let i = 0; i < column - 1; i++) pad += lineText[i] === '\t' ? '    ' : ' ';
  const carets = d.span.empty ? '' : '~'.repeat(Math.max(1, lastColumn - column));
  const hints = (d.hints ?? []).map((h) => `HINT: ${h}\n`).join('');
  return `${head}${lineText.replace(/\t/g, '    ')}\n${pad}${carets}\n${hints}`;
}

/** All diagnostics in source order, errors and warnings as bpftrace prints them. */
export function formatDiagnostics(ds: readonly Diagnostic[], source: DiagnosticSource): string {
  return ds.map((d) => formatDiagnostic(d, source)).join('');
}
