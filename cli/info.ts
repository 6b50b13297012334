// `bpfq --info`: the machine and its kernel's BPF support, laid out as bpftrace 0.17's --info.
import { arch, release, version as osVersion } from 'node:os';
import { readFileSync } from 'node:fs';

export async function infoText(): Promise<string> {
  const { kernelFeatures } = await import('../worker/libbpf/features.js');
  const f = kernelFeatures();
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const lines = [
    'System',
    `  OS: Linux ${release()} ${osVersion()}`,
    `  Arch: ${arch() === 'x64' ? 'x86_64' : arch()}`,
    '',
    'Build',
    `  version: bpfq v${pkg.version}`,
    '  compiler: TypeScript (no LLVM)',
    '  libbpf: libbpf.so.1',
    '',
    'Kernel helpers',
    ...f.helpers.map(([n, ok]) => `  ${n}: ${yn(ok)}`),
    '',
    'Kernel features',
    `  Instruction limit: ${f.instructionLimit}`,
    `  Loop support: ${yn(f.loops)}`,
    `  btf: ${yn(f.btf)}`,
    `  uprobe refcount: ${yn(f.uprobeRefcount)}`,
    `  uprobe_multi: ${yn(f.uprobeMulti)}`,
    `  kprobe attach: ${yn(f.kprobeAttach)}`,
    '',
    'Map types',
    ...f.mapTypes.map(([n, ok]) => `  ${n}: ${yn(ok)}`),
    '',
    'Probe types',
    ...f.progTypes.map(([n, ok]) => `  ${n}: ${yn(ok)}`),
    `  raw_tp_special: ${yn(f.progTypes.some(([n, ok]) => n === 'raw_tracepoint' && ok))}`,
    '',
  ];
  return lines.join('\n');
}
