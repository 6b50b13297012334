// Paths of the host fixtures (test/fixtures/host), from the compiled test in dist/test/unit.
import { fileURLToPath } from 'node:url';

export const HOST_FIXTURES = fileURLToPath(
  new URL('../../../test/fixtures/host/', import.meta.url),
);

export function hostFixture(name: string): string {
  return `${HOST_FIXTURES}${name}`;
}

/** A USDT probe as `readelf -n` prints it. */
export interface ReadelfProbe {
  provider: string;
  name: string;
  location: bigint;
  semaphore: bigint;
  args: string;
}

export function parseReadelfNotes(text: string): ReadelfProbe[] {
  const out: ReadelfProbe[] = [];
  const re =
    /Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: (0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)\n\s+Arguments: ?(.*)/g;
  for (const m of text.matchAll(re)) {
    out.push({
      provider: m[1] ?? '',
      name: m[2] ?? '',
      location: BigInt(m[3] ?? '0'),
      semaphore: BigInt(m[4] ?? '0'),
      args: (m[5] ?? '').trim(),
    });
  }
  return out;
}
