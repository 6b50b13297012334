// Turns a verifier log into something a script author can act on: the instruction the kernel
// stopped at (disassembled) and the line of the script it came from (the artifact's sourceMap).
import type { Artifact, ProgramArtifact, SourceSpan } from '../../compiler/artifact.js';

/** Disassembles one raw slot of a program, or undefined when it cannot (e.g. mid-lddw). */
export type DisassembleSlot = (insns: Buffer, slot: number) => string | undefined;

/**
 * The index of the instruction the verifier rejected: the last `N: (op) ...` line of the log,
 * which is the instruction it was checking when it gave up.
 */
export function failingSlot(log: string): number | undefined {
  let found: number | undefined;
  for (const line of log.split('\n')) {
    const m = /^(\d+): \([0-9a-f]{2}\)/.exec(line);
    if (m) found = Number(m[1]);
  }
  return found;
}

/** Where in the script the rejected instruction came from (1-based line and column). */
export function rejectionSource(program: ProgramArtifact, log: string): SourceSpan | undefined {
  const slot = failingSlot(log);
  if (slot === undefined) return undefined;
  const spanIndex = program.sourceMap[slot];
  const span = spanIndex !== undefined && spanIndex >= 0 ? program.spans[spanIndex] : undefined;
  return span;
}

/**
 * The verifier's own words for why it gave up: the last line of the log that is neither an
 * instruction it walked (`8: (79) r1 = ...`), nor a dump of register or stack state (which
 * follows the reason for loops: `infinite loop detected at insn 9`, then `cur state:`...),
 * nor its statistics.
 */
export function rejectionReason(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (
      /^\d+: \(/.test(l) || // an instruction
      /^(cur|old) state:/.test(l) ||
      /^(from \d+ to \d+|last_idx|regs=|parent |mark_precise|frame\d+:)/.test(l) ||
      /^;/.test(l) || // source annotations of BTF line info
      /^R\d+(_\w+)?=/.test(l) || // a register state dump
      /^(processed \d+ insns|verification time|stack depth)/.test(l)
    ) {
      continue;
    }
    return l;
  }
  return undefined;
}

export function explainRejection(
  artifact: Artifact,
  program: ProgramArtifact,
  log: string,
  disassemble?: DisassembleSlot,
): string[] {
  const slot = failingSlot(log);
  if (slot === undefined) return [];
  const lines: string[] = [];
  const insns = Buffer.from(program.insns, 'base64');
  const text = disassemble?.(insns, slot);
  lines.push(`  at instruction ${slot}${text !== undefined ? `: ${text}` : ''}`);
  const span = rejectionSource(program, log);
  if (span) {
    const source = artifact.source.text.split('\n')[span.line - 1];
    lines.push(`  from ${artifact.source.name}:${span.line}:${span.column}`);
    if (source !== undefined) {
      lines.push(`  ${source}`);
      const width = span.endLine === span.line ? Math.max(1, span.endColumn - span.column) : 1;
      lines.push(`  ${' '.repeat(Math.max(0, span.column - 1))}${'~'.repeat(width)}`);
    }
  }
  return lines;
}
