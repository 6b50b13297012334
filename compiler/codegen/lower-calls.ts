// Function calls: async actions (printf, system, cat, exit, print, clear, zero, time, join)
// as perf events with 0.17's layouts, map operations, and the value-producing functions.
import { alu, jmp, ldx, st } from '../bpf/index.js';
import type { Call, Expr, Span } from '../front/ast.js';
import { sizeOf, type AddressSpace } from '../types.js';
import { assert } from '../debug.js';
import { type Mem } from './emitter.js';
import { isScalar } from './layout.js';
import { addressOf, at, copy, storeBytes, storeImm, storeReg, zero } from './memory.js';
import { ptRegsOffset } from './pt-regs.js';
import { ASYNC_ACTION } from './resources.js';
import { StringLowering } from './lower-strings.js';
import {
  AF_INET,
  CodegenError,
  type Operand,
  imm,
  intWidth,
  readHelper,
  typeOf,
} from './lowering-base.js';
import { parseAddress, signalNumber } from './constants.js';

/** Bytes read per join() argument, the terminating NUL included (0.17's join_argsize_). */
const JOIN_ARG_SIZE = 1024;

export abstract class CallLowering extends StringLowering {
  /** The probe's join() event buffer, shared by all its join() calls. */
  private joinBuffer: Mem | undefined;
  private joinBufferSize: number | undefined;

  /** A call used as a statement. */
  protected callEffect(x: Call): void {
    const { e } = this;
    switch (x.name) {
      case 'printf':
        this.formatEvent(ASYNC_ACTION.printf, 'printf', x);
        return;
      case 'system':
        this.formatEvent(ASYNC_ACTION.system, 'system', x);
        return;
      case 'cat':
        this.formatEvent(ASYNC_ACTION.cat, 'cat', x);
        return;
      case 'exit':
        // 0.17 sends the event and leaves the probe at once.
        this.event(ASYNC_ACTION.exit, 8, () => {});
        e.emit(jmp.ja(this.exitLabel));
        return;
      case 'print': {
        const arg = x.args[0];
        if (arg?.kind === 'map' && arg.keys.length === 0) {
          const index = this.mapIndex(arg.name, arg.span);
          const top = this.constArg(x, 1, 0);
          const div = this.constArg(x, 2, 0);
          // {u64 action; u32 map; u32 top; u32 div}: 20 bytes, as 0.17 sends.
          this.event(ASYNC_ACTION.print, 20, (buf) => {
            storeImm(e, at(buf, 8), BigInt(index), 4);
            storeImm(e, at(buf, 12), BigInt(top), 4);
            storeImm(e, at(buf, 16), BigInt(div), 4);
          });
          return;
        }
        if (!arg) throw new CodegenError(x.span, 'print() needs an argument');
        const id = this.callId(x);
        const t = typeOf(arg);
        const n = sizeOf(t);
        this.event(ASYNC_ACTION.printNonMap, 16 + n, (buf) => {
          storeImm(e, at(buf, 8), BigInt(id), 8);
          this.into(arg, at(buf, 16), n);
        });
        return;
      }
      case 'clear':
      case 'zero': {
        const arg = x.args[0];
        if (arg?.kind !== 'map') throw new CodegenError(x.span, `${x.name}() expects a map`);
        const index = this.mapIndex(arg.name, arg.span);
        this.event(x.name === 'clear' ? ASYNC_ACTION.clear : ASYNC_ACTION.zero, 12, (buf) => {
          storeImm(e, at(buf, 8), BigInt(index), 4);
        });
        return;
      }
      case 'time': {
        const id = this.callId(x);
        this.event(ASYNC_ACTION.time, 12, (buf) => storeImm(e, at(buf, 8), BigInt(id), 4));
        return;
      }
      case 'join':
        this.join(x);
        return;
      case 'delete': {
        const arg = x.args[0];
        if (arg?.kind !== 'map') throw new CodegenError(x.span, 'delete() expects a map element');
        const m = this.userMap(arg.name, arg.span);
        const key = this.mapKey(m, arg.keys);
        if (m.arrayKey) {
          // A keyless count() is a per-CPU array, whose entries cannot be deleted: 0.17 zeroes
          // this CPU's slot instead, so the map still prints (`@x: 0`).
          const zeroed = e.alloc(m.artifact.valueSize);
          zero(e, zeroed, m.artifact.valueSize);
          this.update(m.artifact.name, key, zeroed);
          return;
        }
        const map = this.mapFd(m.artifact.name);
        this.helper('map_delete_elem', [map, addressOf(e, key)]);
        return;
      }
      case 'signal': {
        const sig = x.args[0];
        if (!sig) throw new CodegenError(x.span, 'signal() needs a signal');
        if (sig.kind === 'string') {
          const n = signalNumber(sig.value);
          if (n === undefined)
            throw new CodegenError(sig.span, `${sig.value} is not a valid signal`);
          this.helper('send_signal', [imm(n)]);
        } else {
          this.helper('send_signal', [this.scalar(sig)]);
        }
        return;
      }
      case 'debugf': {
        // bpf_trace_printk(fmt, fmt_size, up to three integers): the format on the stack.
        const fmt = x.args[0];
        if (fmt?.kind !== 'string')
          throw new CodegenError(x.span, 'debugf() needs a format string');
        if (x.args.length > 4)
          throw new CodegenError(x.span, 'debugf() takes at most three arguments');
        const bytes = new Uint8Array([...Buffer.from(fmt.value, 'utf8'), 0]);
        const args = x.args.slice(1).map((a) => {
          if (!isScalar(typeOf(a)))
            throw new CodegenError(a.span, 'debugf() prints integers only in bpfq');
          return this.scalar(a);
        });
        const buf = e.alloc(bytes.length);
        storeBytes(e, buf, bytes);
        this.helper('trace_printk', [addressOf(e, buf), imm(bytes.length), ...args]);
        return;
      }
      case 'override': {
        const rc = x.args[0];
        if (!rc) throw new CodegenError(x.span, 'override() needs a value');
        this.helper('override_return', [this.ctx, this.scalar(rc)]);
        return;
      }
      default:
        if (isScalar(typeOf(x))) this.callScalar(x);
        else this.mem(x);
    }
  }

  protected mapIndex(name: string, span: Span): number {
    const i = this.input.resources.maps.findIndex((m) => m.role === 'user' && m.name === name);
    if (i < 0) throw new CodegenError(span, `map ${name} has no layout`);
    return i;
  }

  protected constArg(x: Call, i: number, dflt: number): number {
    const a = x.args[i];
    if (!a) return dflt;
    if (a.kind !== 'integer')
      throw new CodegenError(a.span, `argument ${i + 1} of ${x.name}() must be a constant`);
    return Number(a.value);
  }

  /** join(argv[, sep]): {u64 action; u64 join id; 16 strings of 1024 bytes}; an empty string ends the list. */
  protected join(x: Call): void {
    const { e } = this;
    const arr = x.args[0];
    if (!arr) throw new CodegenError(x.span, 'join() needs an array');
    const id = this.callId(x);
    const spec = this.input.resources.join[id];
    assert(spec !== undefined, 'join spec missing');
    // 0.17 reads every argument into a fixed 1024-byte slot (join_argsize_), whatever
    // BPFTRACE_STRLEN says; resources.ts sizes the slot by strlen, so the artifact's spec
    // is set here, where the event is laid out (the worker decodes by it).
    spec.argSize = JOIN_ARG_SIZE;
    const size = 16 + spec.argCount * spec.argSize;
    const pt = typeOf(arr);
    const space: AddressSpace = pt.kind === 'pointer' ? pt.space : 'none';
    const str = readHelper(space, true);
    // Every join() of the probe fills the same buffer: at 16 KiB each, two of them would not
    // fit the per-CPU scratch value, and perf_event_output copies the event before the next.
    const buf = (this.joinBuffer ??= e.alloc(size));
    assert(this.joinBufferSize === undefined || this.joinBufferSize === size, 'join size');
    this.joinBufferSize = size;
    storeImm(e, buf, BigInt(ASYNC_ACTION.join), 8);
    storeImm(e, at(buf, 8), BigInt(id), 8);
    const base = this.fresh(arr);
    const ptr = e.alloc(8);
    const done = e.newLabel('joined');
    for (let i = 0; i < spec.argCount; i++) {
      const slot = at(buf, 16 + i * spec.argSize);
      const addr = e.reg();
      e.emit(alu.mov.reg(addr, base));
      if (i > 0) e.emit(alu.add.imm(addr, 8 * i));
      storeImm(e, ptr, 0n, 8);
      this.probeRead(ptr, 8, addr, space);
      const p = e.reg();
      e.emit(ldx.dw(p, ptr.base, ptr.off), st.b(slot.base, slot.off, 0), jmp.jeq.imm(p, 0, done));
      this.helper(str, [addressOf(e, slot), imm(spec.argSize), p]);
    }
    e.place(done);
    this.output(buf, size);
  }

  protected formatEvent(base: number, table: 'printf' | 'system' | 'cat', x: Call): void {
    const id = this.callId(x);
    const spec = this.input.resources[table][id];
    assert(spec !== undefined, `no ${table} spec for id ${id}`);
    const args = x.args.slice(1);
    this.event(base + id, spec.size, (buf) => {
      let covered = 8;
      spec.args.forEach((a, i) => {
        const arg = args[i];
        assert(arg !== undefined, 'format argument missing');
        if (a.offset > covered) zero(this.e, at(buf, covered), a.offset - covered);
        const n = sizeOf(a.type);
        this.into(arg, at(buf, a.offset), n);
        covered = a.offset + n;
      });
      if (spec.size > covered) zero(this.e, at(buf, covered), spec.size - covered);
    });
  }

  /** Calls whose value is a scalar. */
  protected callScalar(x: Call): Operand {
    const { e } = this;
    const arg = (i: number): Expr => {
      const a = x.args[i];
      if (!a) throw new CodegenError(x.span, `${x.name}() needs argument ${i + 1}`);
      return a;
    };
    switch (x.name) {
      case 'kstack':
      case 'ustack':
        return this.stack(typeOf(x), x.span);
      case 'ksym':
      case 'kptr':
      case 'uptr':
      case 'strerror':
        return this.scalar(arg(0));
      case 'kaddr': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const addr = this.input.host.kernelSymbol(name);
        if (addr === undefined)
          throw new CodegenError(a.span, `Failed to resolve kernel symbol: ${name}`);
        return imm(addr);
      }
      case 'uaddr': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const target = this.input.target.attach;
        const path =
          target.kind === 'uprobe' || target.kind === 'uretprobe' || target.kind === 'usdt'
            ? target.path
            : undefined;
        const sym =
          path === undefined
            ? undefined
            : this.input.host.elfSymbols(path).find((s) => s.name === name);
        if (sym === undefined) throw new CodegenError(a.span, `Could not resolve symbol: ${name}`);
        return imm(sym.address);
      }
      case 'reg': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const off = ptRegsOffset(name);
        if (off === undefined) throw new CodegenError(a.span, `'${name}' is not a valid register`);
        return { kind: 'reg', reg: this.ptRegs(off, x.span) };
      }
      case 'bswap': {
        const a = arg(0);
        const t = typeOf(a);
        const bits = (intWidth(t) * 8) as 8 | 16 | 32 | 64;
        if (bits === 8) return this.scalar(a);
        const r = this.fresh(a);
        e.emit(alu.end.be(r, bits));
        return { kind: 'reg', reg: r };
      }
      case 'strncmp': {
        const n = this.constArg(x, 2, 0);
        return this.streqValue(arg(0), arg(1), n);
      }
      case 'strcontains':
        return this.strcontains(arg(0), arg(1), x.span);
      case 'cgroupid':
        // Resolved by the type checker through the host, as 0.17 does at compile time.
        if (x.resolved === undefined) throw new CodegenError(x.span, 'cgroupid() was not resolved');
        return imm(x.resolved);
      default:
        break;
    }
    if (isScalar(typeOf(x)))
      throw new CodegenError(x.nameSpan, `${x.name}() is not supported by bpfq`);
    throw new CodegenError(x.span, `${x.name}() does not produce a scalar`);
  }

  /** Calls whose value is bytes in memory, written at `dst` (`size` bytes). */
  protected callInto(x: Call, dst: Mem, size: number): void {
    const { e } = this;
    const t = typeOf(x);
    const own = sizeOf(t);
    const pad = () => {
      if (size > own) zero(e, at(dst, own), size - own);
    };
    const arg = (i: number): Expr => {
      const a = x.args[i];
      if (!a) throw new CodegenError(x.span, `${x.name}() needs argument ${i + 1}`);
      return a;
    };
    switch (x.name) {
      case 'str': {
        const p = arg(0);
        const pt = typeOf(p);
        if (pt.kind === 'string') {
          this.into(p, dst, size);
          return;
        }
        const space: AddressSpace = pt.kind === 'pointer' ? pt.space : 'none';
        const fn = readHelper(space, true);
        zero(e, dst, size);
        const addr = this.toReg(this.scalar(p));
        const lenArg = x.args[1];
        let len: Operand = imm(Math.min(own, size));
        if (lenArg) {
          const n = this.scalar(lenArg);
          if (n.kind === 'imm') {
            len = imm(Math.max(0, Math.min(Number(n.value) + 1, own, size)));
          } else {
            // A run-time length: n + 1 clamped to the buffer so the verifier sees a bound.
            const r = this.fresh(n);
            const ok = e.newLabel('strlen');
            e.emit(
              alu.add.imm(r, 1),
              jmp.jle.imm(r, Math.min(own, size), ok),
              alu.mov.imm(r, Math.min(own, size)),
            );
            e.place(ok);
            len = { kind: 'reg', reg: r };
          }
        }
        this.helper(fn, [addressOf(e, dst), len, addr]);
        return;
      }
      case 'buf': {
        // {u8 length; bytes}: the length as read.
        const p = arg(0);
        const pt = typeOf(p);
        assert(t.kind === 'buffer', 'buf() without a buffer type');
        zero(e, dst, size);
        storeImm(e, dst, BigInt(t.size), 1);
        if (!isScalar(pt)) {
          // A string or array value: its bytes are already here.
          copy(e, at(dst, 1), this.mem(p), Math.min(t.size, sizeOf(pt)));
          return;
        }
        const addr = this.toReg(this.scalar(p));
        const space = pt.kind === 'pointer' ? pt.space : 'none';
        const n = x.args[1] ? this.scalar(arg(1)) : imm(t.size);
        if (n.kind === 'imm') {
          this.probeRead(at(dst, 1), t.size, addr, space);
          return;
        }
        // A run-time length: clamped to the buffer (the verifier needs the bound), stored as
        // the length byte and used as the read size.
        const len = this.fresh(n);
        const ok = e.newLabel('buflen');
        e.emit(jmp.jle.imm(len, t.size, ok), alu.mov.imm(len, t.size));
        e.place(ok);
        storeReg(e, dst, len, 1);
        this.helper(readHelper(space, false), [addressOf(e, at(dst, 1)), len, addr]);
        return;
      }
      case 'usym':
        this.usymInto(this.scalar(arg(0)), dst);
        pad();
        return;
      case 'strftime': {
        const id = this.callId(x);
        storeImm(e, dst, BigInt(id), 8);
        const ns = x.args[1]
          ? this.scalar(arg(1))
          : { kind: 'reg' as const, reg: this.helper('ktime_get_boot_ns', []) };
        if (ns.kind === 'imm') storeImm(e, at(dst, 8), ns.value, 8);
        else storeReg(e, at(dst, 8), ns.reg, 8);
        pad();
        return;
      }
      case 'ntop': {
        // {u32 af; 4 bytes padding; 16 address bytes}.
        const two = x.args.length === 2;
        const addrExpr = arg(two ? 1 : 0);
        const at_ = typeOf(addrExpr);
        zero(e, dst, size);
        if (two) {
          const af = this.scalar(arg(0));
          if (af.kind === 'imm') storeImm(e, dst, af.value, 4);
          else storeReg(e, dst, af.reg, 4);
        } else {
          const width = sizeOf(at_);
          storeImm(e, dst, BigInt(width === 16 ? 10 : AF_INET), 4);
        }
        if (isScalar(at_)) {
          const v = this.scalar(addrExpr);
          if (v.kind === 'imm') storeImm(e, at(dst, 8), v.value, 4);
          else storeReg(e, at(dst, 8), v.reg, 4);
        } else {
          const src = this.mem(addrExpr);
          copy(e, at(dst, 8), src, Math.min(16, sizeOf(at_)));
        }
        return;
      }
      case 'macaddr': {
        const p = arg(0);
        const pt = typeOf(p);
        if (pt.kind === 'pointer') {
          this.probeRead(dst, 6, this.toReg(this.scalar(p)), pt.space);
        } else {
          copy(e, dst, this.mem(p), 6);
        }
        pad();
        return;
      }
      case 'pton': {
        const a = arg(0);
        const bytes = a.kind === 'string' ? parseAddress(a.value) : undefined;
        if (!bytes) throw new CodegenError(a.span, 'pton() needs a literal IPv4 or IPv6 address');
        storeBytes(e, dst, bytes.subarray(0, size));
        pad();
        return;
      }
      case 'cgroup_path': {
        const v = this.scalar(arg(0));
        zero(e, dst, size);
        if (v.kind === 'imm') storeImm(e, dst, v.value, 8);
        else storeReg(e, dst, v.reg, 8);
        return;
      }
      default:
        throw new CodegenError(x.nameSpan, `${x.name}() is not supported by bpfq`);
    }
  }
}
