// The code-generation group (E5xxx) of the diagnostics catalog: limits that only show up
// when lowering (stack exhausted, program too large) and constructs bpfq cannot lower.
// Kept next to code generation so the front end's catalog (compiler/diagnostics.ts) stays
// the front end's; codes never overlap (the front end uses E1xxx-E4xxx).
import type { SourceSpan } from '../artifact.js';
import type { Diagnostic } from '../diagnostics.js';

export const codegenMessages = {
  unsupported: { code: 'E5001', message: (what: string) => what },
  stackExhausted: {
    code: 'E5002',
    message: () => 'the probe needs more than the 512 bytes of BPF stack (too many live values)',
  },
  programTooLarge: {
    code: 'E5003',
    message: (n: number, max: number) =>
      `the generated program has ${n} instructions, more than the kernel's limit of ${max}`,
  },
  jumpTooFar: {
    code: 'E5004',
    message: (n: number) =>
      `the generated program has ${n} instructions: too large for BPF's 16-bit jump offsets (reduce unroll counts or string sizes)`,
  },
  scratchExhausted: {
    code: 'E5005',
    message: (max: number) =>
      `the probe's values need more than the ${max} bytes of per-CPU scratch memory (reduce unroll counts or string sizes)`,
  },
} as const;

export function codegenDiagnostic<K extends keyof typeof codegenMessages>(
  key: K,
  span: SourceSpan,
  ...args: Parameters<(typeof codegenMessages)[K]['message']>
): Diagnostic {
  const entry = codegenMessages[key];
  // Each entry's message takes its own argument tuple; Parameters<> above matches entry K.
  const message = (entry.message as (...a: unknown[]) => string)(...args);
  return { code: entry.code, severity: 'error', message, span };
}
