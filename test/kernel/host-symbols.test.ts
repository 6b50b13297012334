// Symbolisation against bpftrace 0.17 on this machine: kernel names for every address
// that several kallsyms text symbols share (where bpftrace's choice depends on bcc's
// std::sort), and user stack frames of a process, resolved here after it has exited.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { symbolsWithDebugInfo } from '../../host/debug-files.js';
import { ElfFile } from '../../host/elf.js';
import { LiveSymbolizer } from '../../worker/symbols/live-symbolizer.js';
import { needs } from '../support/needs.js';
import { HOST_FIXTURES, assertNoBpfFds } from '../unit/host-fixtures.js';

function runBpftrace(args: string[]): string {
  const r = spawnSync('bpftrace', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('kernel symbols as bpftrace 0.17 names them', needs('root', 'bpftrace'), () => {
  it('picks the same name among symbols sharing an address', () => {
    const text = readFileSync('/proc/kallsyms', 'utf8');
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      const [addr, type] = line.split(' ');
      if (addr && type && /^[tTwW]$/.test(type)) counts.set(addr, (counts.get(addr) ?? 0) + 1);
    }
    const shared = [...counts].filter(([, n]) => n > 1).map(([a]) => a);
    assert.ok(shared.length > 10, 'this kernel has aliased text symbols');
    // Plus a few addresses inside functions and past the last one.
    const probes = [...shared.slice(0, 120).map((a) => BigInt(`0x${a}`) + 3n), 0x10n];
    const program = `BEGIN { ${probes.map((a) => `printf("%s\\n", ksym(0x${a.toString(16)}));`).join(' ')} exit(); }`;
    // BPF programs loaded by anything else on the machine are kallsyms entries too, and
    // they change which alias wins; retry when one came or went during the comparison.
    const bpfEntries = () =>
      readFileSync('/proc/kallsyms', 'utf8')
        .split('\n')
        .filter((l) => l.endsWith('[bpf]'))
        .join('\n');
    for (let attempt = 1; ; attempt++) {
      const entries = bpfEntries();
      // Read before bpftrace loads its programs, as bpftrace itself does.
      const sym = new LiveSymbolizer();
      sym.loadKernelSymbols();
      const lines = runBpftrace(['-e', program])
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('Attaching'));
      assertNoBpfFds();
      // ksym() prints the bare name, or the address in hex when nothing is below it.
      const ours = probes.map((a) => sym.kernel(a)?.name ?? `0x${a.toString(16)}`);
      // Another suite's programs may have come and gone while bpftrace read kallsyms; on
      // a quiet machine (no BPF program listed before or after) a difference is real.
      const quiet = entries === '' && bpfEntries() === '';
      if (!quiet && attempt < 5 && JSON.stringify(ours) !== JSON.stringify(lines)) continue;
      assert.deepEqual(ours, lines);
      break;
    }
  });
});

describe('user symbols of a process that has exited', needs('root', 'bpftrace'), () => {
  it('resolves the frames bpftrace printed while the process lived', async () => {
    const demo = `${HOST_FIXTURES}usdt-demo`;
    const child = spawn(demo, ['100000', '20'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 150));
      const pid = child.pid;
      assert.ok(pid);
      const sym = new LiveSymbolizer();
      assert.ok(sym.rememberProcess(pid));
      const out = runBpftrace([
        '-p',
        String(pid),
        '-e',
        `uprobe:${demo}:work { @[ustack(perf)] = count(); } interval:ms:400 { exit(); }`,
      ]);
      assertNoBpfFds();
      child.kill('SIGKILL');
      await exited;
      // Frames: `\t<hex> sym+off (module)`.
      const frames = [...out.matchAll(/^\t([0-9a-f]+) (\S+) \((.*)\)$/gm)];
      assert.ok(frames.length >= 3, out);
      assert.ok(frames.some((f) => f[2] === 'work+0'));
      for (const f of frames) {
        const s = sym.user(pid, BigInt(`0x${f[1] ?? ''}`));
        assert.ok(s, `frame ${f[0]}`);
        assert.equal(`${s.name}+${s.offset}`, f[2]);
        assert.equal(s.module, f[3]);
      }
      // A process never remembered and now gone resolves to nothing, as in 0.17.
      assert.equal(new LiveSymbolizer().user(pid, BigInt(`0x${frames[0]?.[1] ?? '0'}`)), undefined);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('user symbols where several names share an address', needs('root', 'bpftrace'), () => {
  it('picks the name bpftrace 0.17 picks in libc', async () => {
    const demo = `${HOST_FIXTURES}usdt-demo`;
    const child = spawn(demo, ['100000', '20'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 150));
      const pid = child.pid;
      assert.ok(pid);
      const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
      const text = maps.find((l) => /r-xp .*\/libc\.so\.6$/.test(l));
      assert.ok(text, 'libc is mapped');
      const cols = text.split(/\s+/);
      const path = cols[5] ?? '';
      const start = BigInt(`0x${(cols[0] ?? '').split('-')[0] ?? ''}`);
      const offset = BigInt(`0x${cols[2] ?? '0'}`);
      const elf = ElfFile.open(path);
      // Function starts that several symbols (with the debug file's) share.
      const counts = new Map<bigint, number>();
      for (const s of symbolsWithDebugInfo(elf, path)) {
        if (s.kind === 'func' && s.size > 1n)
          counts.set(s.address, (counts.get(s.address) ?? 0) + 1);
      }
      const shared = [...counts].filter(([, n]) => n > 1).map(([a]) => a);
      assert.ok(shared.length > 50, 'libc has aliased functions');
      const addrs = shared
        .filter((_, i) => i % Math.ceil(shared.length / 150) === 0)
        .map((a) => start - offset + (elf.vaddrToOffset(a) ?? a) + 1n);
      const sym = new LiveSymbolizer();
      assert.ok(sym.rememberProcess(pid));
      const program = `uprobe:${demo}:work { ${addrs
        .map((a) => `printf("%s\\n", usym(0x${a.toString(16)}));`)
        .join(' ')} exit(); }`;
      const lines = runBpftrace(['-p', String(pid), '-e', program])
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('Attaching'))
        .slice(0, addrs.length);
      assertNoBpfFds();
      const ours = addrs.map((a) => sym.user(pid, a)?.name ?? `0x${a.toString(16)}`);
      assert.deepEqual(ours, lines);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('C++ user symbols', needs('root', 'bpftrace'), () => {
  it('are demangled as bpftrace 0.17 prints them', async () => {
    const demo = `${HOST_FIXTURES}cpp-demo`;
    const child = spawn(demo, [], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 150));
      const pid = child.pid;
      assert.ok(pid);
      const sym = new LiveSymbolizer();
      assert.ok(sym.rememberProcess(pid));
      const out = runBpftrace([
        '-p',
        String(pid),
        '-e',
        `uprobe:${demo}:_ZN4demo6Worker3runEi { @[ustack(perf, 2)] = count(); exit(); }`,
      ]);
      assertNoBpfFds();
      const frames = [...out.matchAll(/^\t([0-9a-f]+) (.+)\+(\d+) \((.*)\)$/gm)];
      assert.ok(frames.length >= 1, out);
      assert.equal(frames[0]?.[2], 'demo::Worker::run(int)');
      for (const f of frames) {
        const s = sym.user(pid, BigInt(`0x${f[1] ?? ''}`));
        assert.ok(s, f[0]);
        assert.equal(s.name, f[2]);
        assert.equal(s.offset, BigInt(f[3] ?? '-1'));
        assert.equal(s.module, f[4]);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('JIT code named by a perf map', needs('root', 'bpftrace'), () => {
  it('resolves node --perf-basic-prof frames as bpftrace does', async () => {
    const script =
      'function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }' +
      ' const end = Date.now() + 20000; let t = 0; while (Date.now() < end) t += hotLoop(100000);';
    const child = spawn(process.execPath, ['--perf-basic-prof', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const pid = child.pid ?? 0;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const sym = new LiveSymbolizer();
      assert.ok(sym.rememberProcess(pid));
      const out = runBpftrace([
        '-p',
        String(pid),
        '-e',
        `profile:hz:99 /pid == ${pid}/ { @[ustack(perf, 1)] = count(); } interval:ms:1500 { exit(); }`,
      ]);
      assertNoBpfFds();
      const perfMap = `/tmp/perf-${pid}.map`;
      const frames = [...out.matchAll(/^\t([0-9a-f]+) (.+)\+(\d+) \((.*)\)$/gm)].filter(
        (f) => f[4] === perfMap,
      );
      assert.ok(frames.length >= 1, out);
      for (const f of frames) {
        const s = sym.user(pid, BigInt(`0x${f[1] ?? ''}`));
        assert.ok(s, f[0]);
        assert.equal(`${s.name}+${s.offset} (${s.module})`, `${f[2]}+${f[3]} (${f[4]})`);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  });
});
