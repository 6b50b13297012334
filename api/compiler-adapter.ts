// The dry-run compiler: compiler/index.ts with the real host (host/node-host.ts), loaded on
// first use so an API that never compiles never reads BTF. If they fail to load, compile()
// answers undefined and POST /v1/compile says 503.
import type { Diagnostic } from '../compiler/diagnostics.js';
import type { DryRunCompiler, DryRunOutcome, DryRunRequest } from './dry-run.js';

type Modules = [typeof import('../compiler/index.js'), typeof import('../host/node-host.js')];

function position(d: Diagnostic): { line: number; column: number; message: string; code: string } {
  return { line: d.span.line, column: d.span.column, message: d.message, code: d.code };
}

export function loadDryRunCompiler(): DryRunCompiler {
  let modules: Promise<Modules | undefined> | undefined;
  return {
    async compile(request: DryRunRequest): Promise<DryRunOutcome | undefined> {
      modules ??= Promise.all([
        import('../compiler/index.js'),
        import('../host/node-host.js'),
      ]).catch(() => undefined);
      const loaded = await modules;
      if (loaded === undefined) return undefined;
      const [compiler, host] = loaded;
      const result = compiler.compile(
        { name: 'stdin', text: request.program },
        { params: request.params, ...(request.pid === undefined ? {} : { pid: request.pid }) },
        host.nodeHost(),
      );
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
      if (result.artifact === undefined || errors.length > 0)
        return { ok: false, errors: errors.map(position) };
      const artifact = result.artifact;
      return {
        ok: true,
        probes: artifact.probeCount,
        programs: artifact.programs.map((p) => ({
          name: p.name,
          instructions: Buffer.from(p.insns, 'base64').length / 8,
        })),
        maps: artifact.maps.filter((m) => m.role === 'user').map((m) => m.name),
        warnings: warnings.map(position),
      };
    },
  };
}
