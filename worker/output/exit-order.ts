// The order bpftrace 0.17 prints maps in at exit: by name, bytewise (it walks its maps by the
// kernel name `AT_<name>`, so `@` comes before `@a`, and `@a` before `@ab` and `@b`).
import type { MapArtifact } from '../../compiler/artifact.js';

/** The user maps to print at exit, in 0.17's order. */
export function exitOrder(maps: readonly MapArtifact[]): MapArtifact[] {
  return maps
    .filter((m) => m.role === 'user')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
