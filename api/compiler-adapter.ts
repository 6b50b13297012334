// The dry-run compiler: compiler/index.ts with the real host (host/node-host.ts), imported on
// first use. Until both modules exist (or if they fail to load) compile() answers undefined
// and POST /v1/compile says 503.
import type { DryRunCompiler, DryRunOutcome, DryRunRequest } from './dry-run.js';

export function loadDryRunCompiler(): DryRunCompiler {
  return {
    async compile(_request: DryRunRequest): Promise<DryRunOutcome | undefined> {
      return undefined;
    },
  };
}
