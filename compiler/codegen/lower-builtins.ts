// Builtins by probe kind: each kind desugars its context (pt_regs for kprobe/uprobe and perf
// events, the u64 argument array of kfunc and raw tracepoints, USDT argument specs) into
// plain loads, so the rest of lowering never special-cases a probe kind.
import { alu, alu32, jmp, ldx, type Reg } from '../bpf/index.js';
import type { Span } from '../front/ast.js';
import type { UsdtArgument } from '../host.js';
import { type SizedType } from '../types.js';
import { assert, assertNever } from '../debug.js';
import { storeImm } from './memory.js';
import {
  argOffset,
  IP_OFFSET,
  ptRegsOffset,
  RETVAL_OFFSET,
  SP_OFFSET,
  UPROBE_STACK_BASE,
} from './pt-regs.js';
import { LoweringBase } from './lowering-base.js';
import { BPF_F_USER_STACK, CodegenError, type Operand, imm } from './lowering-base.js';

export abstract class BuiltinLowering extends LoweringBase {
  protected builtinScalar(
    name: string,
    index: number | undefined,
    t: SizedType,
    span: Span,
  ): Operand {
    const { e } = this;
    const { target } = this.input;
    switch (name) {
      case 'pid': {
        const r = this.helper('get_current_pid_tgid', []);
        e.emit(alu.rsh.imm(r, 32));
        return { kind: 'reg', reg: r };
      }
      case 'tid': {
        const r = this.helper('get_current_pid_tgid', []);
        e.emit(alu32.mov.reg(r, r));
        return { kind: 'reg', reg: r };
      }
      case 'uid':
      case 'username': {
        const r = this.helper('get_current_uid_gid', []);
        e.emit(alu32.mov.reg(r, r));
        return { kind: 'reg', reg: r };
      }
      case 'gid': {
        const r = this.helper('get_current_uid_gid', []);
        e.emit(alu.rsh.imm(r, 32));
        return { kind: 'reg', reg: r };
      }
      case 'nsecs':
        // The boot clock, as 0.17 (strftime() turns these into wall time).
        return { kind: 'reg', reg: this.helper('ktime_get_boot_ns', []) };
      case 'elapsed': {
        const mapName = this.input.resources.elapsedMap;
        if (mapName === undefined) throw new CodegenError(span, 'elapsed used without its map');
        const key = e.alloc(8);
        storeImm(e, key, 0n, 8);
        // CLOCK_MONOTONIC: the clock user space seeds the start time from (worker/runtime).
        const now = this.helper('ktime_get_ns', []);
        const p = this.lookup(mapName, key);
        const skip = e.newLabel('elapsed');
        const start = e.reg();
        e.emit(alu.mov.imm(start, 0), jmp.jeq.imm(p, 0, skip), ldx.dw(start, p, 0));
        e.place(skip);
        e.emit(alu.sub.reg(now, start));
        return { kind: 'reg', reg: now };
      }
      case 'cpu':
        return { kind: 'reg', reg: this.helper('get_smp_processor_id', []) };
      case 'numaid':
        return { kind: 'reg', reg: this.helper('get_numa_node_id', []) };
      case 'curtask':
        return { kind: 'reg', reg: this.helper('get_current_task', []) };
      case 'rand':
        return { kind: 'reg', reg: this.helper('get_prandom_u32', []) };
      case 'cgroup':
        return { kind: 'reg', reg: this.helper('get_current_cgroup_id', []) };
      case 'ctx':
        return { kind: 'reg', reg: this.ctx };
      case 'probe':
        return imm(this.input.probeIndex);
      case 'cpid':
        return imm(this.input.cpid);
      case 'kstack':
      case 'ustack':
        return this.stack(t, span);
      case 'args':
        return { kind: 'reg', reg: this.ctx };
      case 'arg':
        return this.argN(index ?? 0, t, span);
      case 'sarg': {
        // Stack arguments: *(sp + 8 * (N + 1)) in the probed process (user or kernel).
        const sp = this.ptRegs(SP_OFFSET, span);
        e.emit(alu.add.imm(sp, 8 * ((index ?? 0) + 1)));
        return this.readScalarAt(sp, this.isUserProbe() ? 'user' : 'kernel', {
          kind: 'int',
          size: 8,
          signed: false,
        });
      }
      case 'retval':
        if (target.provider === 'kretfunc') return this.funcArg(this.kfuncArgCount(), span);
        return { kind: 'reg', reg: this.ptRegs(RETVAL_OFFSET, span) };
      case 'func':
        if (target.provider === 'kfunc' || target.provider === 'kretfunc') {
          return { kind: 'reg', reg: this.helper('get_func_ip', [this.ctx]) };
        }
        return { kind: 'reg', reg: this.ptRegs(IP_OFFSET, span) };
      default:
        throw new CodegenError(span, `builtin ${name} is not supported here`);
    }
  }

  protected isUserProbe(): boolean {
    const p = this.input.target.provider;
    return p === 'uprobe' || p === 'uretprobe' || p === 'usdt';
  }

  /** A pt_regs field of the context (kprobe/uprobe ctx; perf events start with pt_regs too). */
  protected ptRegs(offset: number, span: Span): Reg {
    const kind = this.input.target.progType;
    if (kind !== 'kprobe' && kind !== 'perf_event') {
      throw new CodegenError(
        span,
        `registers are not available in ${this.input.target.provider} probes`,
      );
    }
    const r = this.e.reg();
    this.e.emit(ldx.dw(r, this.ctx, offset));
    return r;
  }

  protected kfuncArgCount(): number {
    return this.input.target.funcArgs?.fields.length ?? 0;
  }

  /** kfunc ctx is an array of u64: argument i at 8 * i, the return value after the last. */
  protected funcArg(i: number, _span: Span): Operand {
    const r = this.e.reg();
    this.e.emit(ldx.dw(r, this.ctx, 8 * i));
    return { kind: 'reg', reg: r };
  }

  protected argN(n: number, t: SizedType, span: Span): Operand {
    const { target } = this.input;
    if (target.provider === 'usdt') {
      const arg = target.usdt?.args[n];
      if (!arg) throw new CodegenError(span, `usdt probe ${target.name} has no argument ${n}`);
      return this.usdtArg(arg, span);
    }
    if (target.provider === 'rawtracepoint') return this.funcArg(n, span);
    if (target.provider === 'kfunc' || target.provider === 'kretfunc') return this.funcArg(n, span);
    const off = argOffset(n);
    if (off === undefined)
      throw new CodegenError(span, `arg${n} is not in a register (x86-64 passes six)`);
    const r = this.ptRegs(off, span);
    return t.kind === 'int' && t.size < 8 ? this.narrow(r, t) : { kind: 'reg', reg: r };
  }

  /**
   * A uprobe parameter from DWARF (`args->name`) at the location its field offset encodes
   * (passes/uprobe-args.ts): an argument register, narrowed to the parameter's type (the
   * ABI leaves the bits above it unspecified), or a stack slot above the return address.
   */
  protected uprobeArg(offset: number, t: SizedType, span: Span): Operand {
    if (offset >= UPROBE_STACK_BASE) {
      const sp = this.ptRegs(SP_OFFSET, span);
      this.e.emit(alu.add.imm(sp, 8 + offset - UPROBE_STACK_BASE));
      return this.readScalarAt(sp, 'user', t);
    }
    const off = argOffset(offset / 8);
    if (off === undefined) throw new CodegenError(span, `no argument register at ${offset}`);
    const r = this.ptRegs(off, span);
    return t.kind === 'int' && t.size < 8 ? this.narrow(r, t) : { kind: 'reg', reg: r };
  }

  protected narrow(r: Reg, t: SizedType & { kind: 'int' }): Operand {
    const shift = 64 - t.size * 8;
    this.e.emit(alu.lsh.imm(r, shift), t.signed ? alu.arsh.imm(r, shift) : alu.rsh.imm(r, shift));
    return { kind: 'reg', reg: r };
  }

  /** A USDT argument from its spec: a constant, a register, or memory at base+offset(+index*scale). */
  protected usdtArg(arg: UsdtArgument, span: Span): Operand {
    const { e } = this;
    const width = Math.abs(arg.size);
    const t: SizedType & { kind: 'int' } = {
      kind: 'int',
      size: width === 1 || width === 2 || width === 4 ? width : 8,
      signed: arg.size < 0,
    };
    const reg = (name: string): Reg => {
      const off = ptRegsOffset(name);
      if (off === undefined)
        throw new CodegenError(span, `usdt argument '${arg.spec}' uses unknown register ${name}`);
      return this.ptRegs(off, span);
    };
    const loc = arg.location;
    switch (loc.kind) {
      case 'const':
        return imm(loc.value);
      case 'reg': {
        const r = reg(loc.reg);
        return t.size < 8 ? this.narrow(r, t) : { kind: 'reg', reg: r };
      }
      case 'mem': {
        const addr = reg(loc.base);
        if (loc.offset !== 0n) e.emit(alu.add.imm(addr, Number(loc.offset)));
        if (loc.index !== undefined) {
          const idx = reg(loc.index);
          if ((loc.scale ?? 1) !== 1) e.emit(alu.mul.imm(idx, loc.scale ?? 1));
          e.emit(alu.add.reg(addr, idx));
        }
        return this.readScalarAt(addr, 'user', t);
      }
      default:
        return assertNever(loc, 'usdt location');
    }
  }

  protected stack(t: SizedType, span: Span): Operand {
    const { e } = this;
    if (t.kind !== 'kstack' && t.kind !== 'ustack')
      throw new CodegenError(span, 'stack builtin without a stack type');
    const mapName = this.input.resources.stackMaps.get(t.limit);
    assert(mapName !== undefined, `no stack map for limit ${t.limit}`);
    const map = this.mapFd(mapName);
    const id = this.helper('get_stackid', [
      this.ctx,
      map,
      imm(t.kind === 'ustack' ? BPF_F_USER_STACK : 0),
    ]);
    if (t.kind === 'kstack') return { kind: 'reg', reg: id };
    // ustack: stack id in the low 32 bits, pid in the high 32 (user space needs the pid to
    // find the process's mappings).
    const pid = this.helper('get_current_pid_tgid', []);
    e.emit(alu.rsh.imm(pid, 32), alu.lsh.imm(pid, 32), alu32.mov.reg(id, id), alu.or.reg(id, pid));
    return { kind: 'reg', reg: id };
  }
}
