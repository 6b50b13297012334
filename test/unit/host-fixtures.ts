// Paths of the host fixtures (test/fixtures/host), from the compiled test in dist/test/unit.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
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

/**
 * Nothing of ours is loaded: this process holds no BPF program, map or link fd (the host
 * and the symbolizers only read files; bpftrace's programs die with bpftrace).
 */
export function assertNoBpfFds(): void {
  const bpf = readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith('anon_inode:bpf'));
  assert.deepEqual(bpf, [], 'BPF objects held by the test process');
}
