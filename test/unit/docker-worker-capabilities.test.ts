// The worker's start-up capability check (worker/service/capabilities.ts) against the
// capability list the worker container gets (docker/docker-compose.yml): that list must be
// enough, each capability in it must be one the check knows a reason for, and removing a
// needed one must be named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  WORKER_CAPABILITIES,
  checkWorkerCapabilities,
  describeCapabilities,
  kernelBefore,
} from '../../worker/service/capabilities.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker/docker-compose.yml`, 'utf8')) as {
  services: Record<string, { cap_add?: string[]; ulimits?: Record<string, unknown> }>;
};
const listed = compose.services['worker']?.cap_add ?? [];
const memlockUnlimited =
  JSON.stringify(compose.services['worker']?.ulimits?.['memlock']) ===
  JSON.stringify({ soft: -1, hard: -1 });
const uprobeOverride =
  (
    parse(readFileSync(`${root}docker/docker-compose.uprobes.yml`, 'utf8')) as {
      services: Record<string, { cap_add?: string[] }>;
    }
  ).services['worker']?.cap_add ?? [];
const bits = new Map<string, number>(
  Object.values(WORKER_CAPABILITIES).map((c) => [c.name, c.bit]),
);

function mask(names: readonly string[]): bigint {
  return names.reduce((m, n) => {
    const bit = bits.get(`CAP_${n}`);
    assert.ok(bit !== undefined, `unknown capability ${n}`);
    return m | (1n << BigInt(bit));
  }, 0n);
}

const modern = { kernel: '6.6.0', tracefsReadable: false, uprobeLinks: true, memlockUnlimited };
/** 5.8 to 6.5: no uprobe_multi links, so uprobes go through the uprobe PMU. */
const noLinks = {
  kernel: '6.1.0-13-amd64',
  tracefsReadable: false,
  uprobeLinks: false,
  memlockUnlimited,
};

describe('worker capabilities', () => {
  it('knows a reason for every capability the compose files grant, and for no other', () => {
    // CAP_SYS_RESOURCE is the one alternative granted by no file: the memlock ulimit does its job.
    assert.ok(memlockUnlimited, 'the worker has an unlimited memlock ulimit');
    const withOverride = [...listed, ...uprobeOverride, 'SYS_RESOURCE'];
    assert.deepEqual(withOverride.map((n) => `CAP_${n}`).sort(), [...bits.keys()].sort());
  });

  it('finds nothing missing or degraded with the compose list where uprobes attach by link', () => {
    const report = checkWorkerCapabilities({ ...modern, effective: mask(listed) });
    assert.deepEqual(report, { missing: [], degraded: [] });
    assert.equal(describeCapabilities(report), '');
  });

  it('without uprobe_multi links, only uprobes wait for the override', () => {
    const report = checkWorkerCapabilities({ ...noLinks, effective: mask(listed) });
    assert.deepEqual(report.missing, []);
    assert.deepEqual(
      report.degraded.map((n) => n.name),
      ['CAP_SYS_ADMIN'],
    );
    assert.match(
      describeCapabilities(report),
      /^without CAP_SYS_ADMIN jobs cannot attach uprobes or USDT probes/,
    );
    const full = checkWorkerCapabilities({
      ...noLinks,
      effective: mask([...listed, ...uprobeOverride]),
    });
    assert.deepEqual(full, { missing: [], degraded: [] });
    assert.equal(describeCapabilities(full), '');
  });

  it('names a missing capability and why it is needed', () => {
    const report = checkWorkerCapabilities({
      ...modern,
      effective: mask(listed.filter((n) => n !== 'BPF')),
    });
    assert.deepEqual(
      report.missing.map((n) => n.name),
      ['CAP_BPF'],
    );
    assert.match(
      describeCapabilities(report),
      /^missing CAP_BPF; .*\n {2}CAP_BPF: create BPF maps and load programs\n/,
    );
    const noPerfmon = checkWorkerCapabilities({
      ...modern,
      effective: mask(listed.filter((n) => n !== 'PERFMON')),
    });
    assert.deepEqual(
      noPerfmon.missing.map((n) => n.name),
      ['CAP_PERFMON'],
    );
  });

  it('needs CAP_DAC_READ_SEARCH only where tracefs cannot be read', () => {
    const without = listed.filter((n) => n !== 'DAC_READ_SEARCH');
    assert.deepEqual(
      checkWorkerCapabilities({ ...modern, effective: mask(without) }).missing.map((n) => n.name),
      ['CAP_DAC_READ_SEARCH'],
    );
    assert.deepEqual(
      checkWorkerCapabilities({ ...modern, tracefsReadable: true, effective: mask(without) })
        .missing,
      [],
    );
  });

  it('starts without CAP_SYS_PTRACE or CAP_SYSLOG, saying what will not work', () => {
    const report = checkWorkerCapabilities({
      ...modern,
      effective: mask(['BPF', 'PERFMON', 'DAC_READ_SEARCH']),
    });
    assert.deepEqual(report.missing, []);
    assert.deepEqual(
      report.degraded.map((n) => n.name),
      ['CAP_SYS_PTRACE', 'CAP_SYSLOG'],
    );
  });

  it('accepts CAP_SYS_ADMIN for CAP_BPF and CAP_PERFMON (kernels < 5.8, privileged fallback)', () => {
    const report = checkWorkerCapabilities({
      kernel: '5.4.0',
      tracefsReadable: true,
      uprobeLinks: false,
      memlockUnlimited: false,
      effective: mask(['SYS_ADMIN', 'SYS_RESOURCE']),
    });
    assert.deepEqual(report.missing, []);
  });

  it('needs CAP_SYS_RESOURCE only before 5.11, and only without an unlimited memlock ulimit', () => {
    const without = mask(listed);
    const limited = { memlockUnlimited: false, effective: without };
    assert.deepEqual(checkWorkerCapabilities({ ...modern, ...limited }).missing, []);
    const v510 = { kernel: '5.10.0-28-amd64', tracefsReadable: true, uprobeLinks: false };
    const old = checkWorkerCapabilities({ ...v510, ...limited });
    assert.deepEqual(
      old.missing.map((n) => n.name),
      ['CAP_SYS_RESOURCE'],
    );
    assert.match(
      describeCapabilities(old),
      /CAP_SYS_RESOURCE: raise RLIMIT_MEMLOCK.*memlock ulimit/,
    );
    // The compose file's ulimit is enough there.
    assert.deepEqual(
      checkWorkerCapabilities({ ...v510, memlockUnlimited: true, effective: without }).missing,
      [],
    );
    assert.deepEqual(
      checkWorkerCapabilities({ ...v510, ...limited, effective: mask([...listed, 'SYS_RESOURCE']) })
        .missing,
      [],
    );
    assert.equal(kernelBefore('5.11.0', 5, 11), false);
    assert.equal(kernelBefore('4.19.0', 5, 11), true);
  });
});
