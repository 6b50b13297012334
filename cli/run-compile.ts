// The compile step of `bpfq run`: source to artifact through the compiler's two entry points
// (check, then code generation) with the real host, diagnostics formatted as bpftrace prints
// them, and the `-d` dump (the checked program, each program's listing, the artifact).
import type { Artifact } from '../compiler/artifact.js';
import type { Item } from '../compiler/bpf/index.js';
import { disassembleItems } from '../compiler/bpf/disassemble.js';
import type { CheckedProgram } from '../compiler/front/ast.js';
import { typeStr } from '../compiler/passes/type-names.js';
import type { RunArgs } from './run-args.js';

export interface Compiled {
  artifact?: Artifact;
  /** Errors and warnings, formatted (`stdin:1:9-14: ERROR: ...`). */
  diagnosticsText: string;
  /** `-d`: the checked program, the disassembly and the artifact. */
  dump(): string;
}

export async function compileProgram(
  source: { name: string; text: string },
  args: RunArgs,
  cpid: number | undefined,
): Promise<Compiled> {
  const [{ check }, { runCodegen }, { formatDiagnostics }, { nodeHost }] = await Promise.all([
    import('../compiler/check.js'),
    import('../compiler/codegen/index.js'),
    import('../compiler/diagnostics.js'),
    import('../host/node-host.js'),
  ]);
  const host = nodeHost();
  const checked = check(
    source,
    {
      params: args.params,
      unsafe: args.unsafe,
      hasChild: args.command !== undefined,
      ...(args.pid !== undefined ? { pid: args.pid } : {}),
    },
    host,
  );
  if (!checked.program) {
    return { diagnosticsText: formatDiagnostics(checked.diagnostics, source), dump: () => '' };
  }
  const program = checked.program;
  const generated = runCodegen(program, host, cpid !== undefined ? { cpid } : {});
  const diagnostics = [...checked.diagnostics, ...generated.diagnostics];
  const diagnosticsText = formatDiagnostics(diagnostics, source);
  const artifact = generated.artifact;
  if (!artifact) return { diagnosticsText, dump: () => '' };

  const dump = (): string => dumpText(artifact, program, generated.listings);
  return { artifact, diagnosticsText, dump };
}

/** `-d`: what bpftrace's -d shows in spirit: the checked program, the code, the artifact. */
function dumpText(artifact: Artifact, program: CheckedProgram, listings: Item[][]): string {
  const out: string[] = ['Program', ''];
  for (const probe of program.probes) {
    for (const t of probe.targets) out.push(`  ${t.name}  (${t.progType})`);
    for (const [name, type] of probe.variables) out.push(`    ${name}: ${typeStr(type)}`);
  }
  out.push('', 'Maps', '');
  for (const m of program.maps.values()) {
    const key = m.key.length === 0 ? '' : `[${m.key.map(typeStr).join(', ')}]`;
    out.push(`  ${m.name}${key}: ${typeStr(m.value)}`);
  }
  artifact.programs.forEach((p, i) => {
    out.push('', `Disassembly of ${p.name}`, '');
    out.push(disassembleItems(listings[i] ?? []));
  });
  out.push('', 'Artifact', '', JSON.stringify(artifact, null, 2), '');
  return out.join('\n');
}
