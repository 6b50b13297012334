// Every program bpftrace 0.17 accepted in the front end's captured cases, and the bpftrace
// tools in test/fixtures/front/programs: code generation must handle them all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONT = fileURLToPath(new URL('../../../../test/fixtures/front/', import.meta.url));

export interface CorpusProgram {
  name: string;
  text: string;
  params: string[];
}

export function acceptedCorpus(): CorpusProgram[] {
  const cases = JSON.parse(readFileSync(join(FRONT, 'accept-cases.json'), 'utf8')) as {
    program: string;
    args: string[];
    accepted: boolean;
  }[];
  const out = cases
    .filter((c) => c.accepted)
    .map((c) => ({ name: c.program.slice(0, 80), text: c.program, params: c.args }));
  for (const f of readdirSync(join(FRONT, 'programs')).sort()) {
    out.push({ name: f, text: readFileSync(join(FRONT, 'programs', f), 'utf8'), params: [] });
  }
  return out;
}
