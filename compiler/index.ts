// The compiler's public API: what the CLI, the worker and the API import.
export { compile, type CompileOptions, type CompileResult } from './compile.js';
export { check, type CheckOptions, type CheckResult } from './check.js';
export {
  formatDiagnostic,
  formatDiagnostics,
  type Diagnostic,
  type Severity,
} from './diagnostics.js';
export { disassemble, disassembleItems } from './bpf/index.js';
export * from './artifact.js';
export * from './types.js';
export type * from './host.js';
