// What `docker build -f docker/Dockerfile .` sees, computed without Docker: the Dockerfile's
// instructions and the build context, that is the tree less .dockerignore's patterns, matched
// with Docker's own rules (@balena/dockerignore ports moby's matcher: patterns are anchored
// at the context root, `*` stays within one path segment, `!` re-includes).
import { readFileSync, readdirSync } from 'node:fs';
import dockerignore from '@balena/dockerignore';

// The package is CommonJS (`module.exports = factory`) typed as `export default factory`:
// under NodeNext TypeScript sees the factory one `.default` deeper than Node gives it.
const ignore = dockerignore as unknown as typeof dockerignore.default;

export interface Instruction {
  /** The keyword in upper case: FROM, RUN, COPY, ... */
  op: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
}

/**
 * A Dockerfile's instructions, as the builder reads them: comment lines dropped (also inside
 * a continued instruction), `\` continuations joined. Parser directives are comments here.
 */
export function dockerfileInstructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`not an instruction: ${l}`);
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

export interface Stage {
  /** The FROM line's image, as written (ARGs not expanded). */
  image: string;
  /** The `AS name`, or undefined. */
  name: string | undefined;
  /** The stage's instructions, its FROM first. */
  instructions: Instruction[];
}

/** The build stages, in order; instructions before the first FROM (global ARGs) are left out. */
export function dockerfileStages(instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        image: words[0]!,
        name: as === -1 ? undefined : words[as + 1],
        instructions: [ins],
      });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

/** .dockerignore's patterns (comments and blank lines dropped). */
export function dockerignorePatterns(root: string): string[] {
  return readFileSync(`${root}.dockerignore`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Every file of the build context, as paths relative to `root` (which ends in `/`), sorted.
 * An ignored folder is not entered unless a `!` pattern could re-include something in it.
 */
export function buildContextFiles(root: string): string[] {
  const patterns = dockerignorePatterns(root);
  const ig = ignore().add(patterns);
  const negations = patterns.some((p) => p.startsWith('!'));
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!ig.ignores(rel) || negations) walk(rel);
      } else if (!ig.ignores(rel)) {
        out.push(rel);
      }
    }
  };
  walk('');
  return out.sort();
}
