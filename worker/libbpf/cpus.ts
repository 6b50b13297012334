// CPU sets: the kernel sizes per-CPU map values by *possible* CPUs, while perf events are
// opened on *online* CPUs (/sys/devices/system/cpu/online, a list such as `0-3,6`).
import { readFileSync } from 'node:fs';
import { libBpf } from './lib.js';

let possible: number | undefined;

export function possibleCpus(): number {
  if (possible === undefined) {
    const n = libBpf().libbpf_num_possible_cpus();
    if (n <= 0) throw new Error(`libbpf_num_possible_cpus failed (${n})`);
    possible = n;
  }
  return possible;
}

export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map((s) => Number.parseInt(s, 10));
    if (lo === undefined || Number.isNaN(lo)) continue;
    const end = hi === undefined || Number.isNaN(hi) ? lo : hi;
    for (let c = lo; c <= end; c++) cpus.push(c);
  }
  return cpus;
}

export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}
