// A small BPF interpreter for unit tests of code generation: it runs encoded programs over a
// flat memory (a 512-byte stack and a heap for map values), with the few helpers bpfq's
// programs call modelled by plain maps. It checks what the generated code computes (bucket
// indexes, compares, spilled values); what the kernel accepts is checked by
// test/kernel/codegen-verifier.test.ts against the real verifier.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_END,
  BPF_JMP,
  BPF_LD,
  BPF_LDX,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_X,
  decode,
  helperName,
  opClass,
  opOperation,
  opSize,
  opSource,
  sizeBytes,
} from '../../../compiler/bpf/index.js';

const STACK_TOP = 0x10200n;
const HEAP_BASE = 0x20000;
const MAP_HANDLE = 0x1000n;

export interface InterpreterMap {
  name: string;
  keySize: number;
  valueSize: number;
  /** Key bytes (hex) -> heap address of the value. */
  entries: Map<string, number>;
}

export interface RunResult {
  r0: bigint;
  /** perf_event_output payloads in order. */
  events: Uint8Array[];
  /** Instructions executed. */
  steps: number;
}

export interface InterpreterOptions {
  maps: { name: string; keySize: number; valueSize: number }[];
  /** Value returned by helpers without a model (ktime, pid_tgid, ...). Default 0x100000002. */
  helperValue?: bigint;
  /** Initial r1 (ctx). Default 0. */
  ctx?: bigint;
}

const U64 = (1n << 64n) - 1n;
const u64 = (v: bigint) => v & U64;
const s64 = (v: bigint) => BigInt.asIntN(64, v);

export class Interpreter {
  readonly memory = new DataView(new ArrayBuffer(0x40000));
  readonly maps: InterpreterMap[];
  private heapTop = HEAP_BASE;

  constructor(private readonly options: InterpreterOptions) {
    this.maps = options.maps.map((m) => ({ ...m, entries: new Map() }));
  }

  map(name: string): InterpreterMap {
    const m = this.maps.find((x) => x.name === name);
    if (!m) throw new Error(`no map ${name}`);
    return m;
  }

  /** The value bytes stored under `key` in map `name`, or undefined. */
  value(name: string, key: Uint8Array): Uint8Array | undefined {
    const m = this.map(name);
    const at = m.entries.get(Buffer.from(key).toString('hex'));
    return at === undefined ? undefined : this.bytes(at, m.valueSize);
  }

  bytes(addr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer.slice(addr, addr + n));
  }

  private alloc(n: number): number {
    const at = this.heapTop;
    this.heapTop += (n + 7) & ~7;
    return at;
  }

  private load(addr: bigint, width: number): bigint {
    const a = Number(addr);
    if (a < 0x100 || a + width > this.memory.byteLength)
      throw new Error(`load from bad address 0x${addr.toString(16)}`);
    switch (width) {
      case 1:
        return BigInt(this.memory.getUint8(a));
      case 2:
        return BigInt(this.memory.getUint16(a, true));
      case 4:
        return BigInt(this.memory.getUint32(a, true));
      default:
        return this.memory.getBigUint64(a, true);
    }
  }

  private store(addr: bigint, width: number, v: bigint): void {
    const a = Number(addr);
    if (a < 0x100 || a + width > this.memory.byteLength)
      throw new Error(`store to bad address 0x${addr.toString(16)}`);
    const x = u64(v);
    switch (width) {
      case 1:
        this.memory.setUint8(a, Number(x & 0xffn));
        break;
      case 2:
        this.memory.setUint16(a, Number(x & 0xffffn), true);
        break;
      case 4:
        this.memory.setUint32(a, Number(x & 0xffffffffn), true);
        break;
      default:
        this.memory.setBigUint64(a, x, true);
    }
  }

  run(bytes: Uint8Array, mapRelocations: { insn: number; map: string }[]): RunResult {
    // decode() turns ld_imm64 into one record; map slot indexes back to record indexes.
    const insns = decode(bytes, mapRelocations);
    const slotOf: number[] = [];
    let slot = 0;
    for (const i of insns) {
      slotOf.push(slot);
      slot += i.opcode === 0x18 ? 2 : 1;
    }
    const indexOfSlot = new Map(slotOf.map((s, k) => [s, k]));
    const r: bigint[] = new Array<bigint>(11).fill(0n);
    r[1] = this.options.ctx ?? 0n;
    r[10] = STACK_TOP;
    const events: Uint8Array[] = [];
    let pc = 0;
    let steps = 0;
    for (;;) {
      if (++steps > 1_000_000) throw new Error('program did not terminate');
      const i = insns[pc];
      if (!i) throw new Error(`fell off the end at ${pc}`);
      const cls = opClass(i.opcode);
      const op = opOperation(i.opcode);
      const src = opSource(i.opcode) === BPF_X ? r[i.src]! : BigInt(i.imm);
      let next = pc + 1;
      switch (cls) {
        case BPF_ALU64:
        case BPF_ALU: {
          const wide = cls === BPF_ALU64;
          if (op === BPF_END) {
            const bits = i.imm;
            let v = r[i.dst]! & ((1n << BigInt(bits)) - 1n);
            if (opSource(i.opcode) === BPF_TO_BE) {
              let out = 0n;
              for (let b = 0; b < bits / 8; b++) {
                out = (out << 8n) | (v & 0xffn);
                v >>= 8n;
              }
              v = out;
            }
            r[i.dst] = v;
            break;
          }
          const a = wide ? r[i.dst]! : r[i.dst]! & 0xffffffffn;
          const b = wide ? u64(src) : u64(src) & 0xffffffffn;
          const mask = wide ? U64 : 0xffffffffn;
          let v: bigint;
          switch (op) {
            case 0x00:
              v = a + b;
              break;
            case 0x10:
              v = a - b;
              break;
            case 0x20:
              v = a * b;
              break;
            case 0x30:
              v = b === 0n ? 0n : a / b;
              break;
            case 0x40:
              v = a | b;
              break;
            case 0x50:
              v = a & b;
              break;
            case 0x60:
              v = a << (b & (wide ? 63n : 31n));
              break;
            case 0x70:
              v = a >> (b & (wide ? 63n : 31n));
              break;
            case 0x80:
              v = -a;
              break;
            case 0x90:
              v = b === 0n ? a : a % b;
              break;
            case 0xa0:
              v = a ^ b;
              break;
            case 0xb0:
              v = b;
              break;
            case 0xc0:
              v = (wide ? s64(a) : BigInt.asIntN(32, a)) >> (b & (wide ? 63n : 31n));
              break;
            default:
              throw new Error(`alu op 0x${op.toString(16)}`);
          }
          r[i.dst] = v & mask;
          break;
        }
        case BPF_LDX:
          r[i.dst] = this.load(r[i.src]! + BigInt(i.off), sizeBytes(opSize(i.opcode)));
          break;
        case BPF_STX:
          this.store(r[i.dst]! + BigInt(i.off), sizeBytes(opSize(i.opcode)), r[i.src]!);
          break;
        case BPF_ST:
          this.store(r[i.dst]! + BigInt(i.off), sizeBytes(opSize(i.opcode)), BigInt(i.imm));
          break;
        case BPF_LD: {
          if (i.map !== undefined) {
            const k = this.maps.findIndex((m) => m.name === i.map);
            if (k < 0) throw new Error(`unknown map ${i.map}`);
            r[i.dst] = MAP_HANDLE + BigInt(k);
          } else {
            r[i.dst] = u64(i.wide ?? BigInt(i.imm));
          }
          break;
        }
        case BPF_JMP: {
          if (op === 0x90) return { r0: r[0]!, events, steps };
          if (op === 0x80) {
            r[0] = this.helper(i.imm, r, events);
            for (let k = 1; k <= 5; k++) r[k] = 0xdead0000n + BigInt(k); // clobbered
            break;
          }
          const a = r[i.dst]!;
          const b = u64(src);
          let taken: boolean;
          switch (op) {
            case 0x00:
              taken = true;
              break;
            case 0x10:
              taken = a === b;
              break;
            case 0x20:
              taken = a > b;
              break;
            case 0x30:
              taken = a >= b;
              break;
            case 0x40:
              taken = (a & b) !== 0n;
              break;
            case 0x50:
              taken = a !== b;
              break;
            case 0x60:
              taken = s64(a) > s64(b);
              break;
            case 0x70:
              taken = s64(a) >= s64(b);
              break;
            case 0xa0:
              taken = a < b;
              break;
            case 0xb0:
              taken = a <= b;
              break;
            case 0xc0:
              taken = s64(a) < s64(b);
              break;
            case 0xd0:
              taken = s64(a) <= s64(b);
              break;
            default:
              throw new Error(`jmp op 0x${op.toString(16)}`);
          }
          if (taken) {
            const to = indexOfSlot.get(slotOf[pc]! + 1 + i.off);
            if (to === undefined)
              throw new Error(`jump into the middle of an instruction at ${pc}`);
            next = to;
          }
          break;
        }
        default:
          throw new Error(`class ${cls}`);
      }
      pc = next;
    }
  }

  private mapOf(handle: bigint): InterpreterMap {
    const m = this.maps[Number(handle - MAP_HANDLE)];
    if (!m) throw new Error(`bad map handle ${handle}`);
    return m;
  }

  private helper(id: number, r: bigint[], events: Uint8Array[]): bigint {
    const name = helperName(id);
    switch (name) {
      case 'map_lookup_elem': {
        const m = this.mapOf(r[1]!);
        const key = Buffer.from(this.bytes(Number(r[2]!), m.keySize)).toString('hex');
        return BigInt(m.entries.get(key) ?? 0);
      }
      case 'map_update_elem': {
        const m = this.mapOf(r[1]!);
        const key = Buffer.from(this.bytes(Number(r[2]!), m.keySize)).toString('hex');
        const at = m.entries.get(key) ?? this.alloc(m.valueSize);
        new Uint8Array(this.memory.buffer, at, m.valueSize).set(
          this.bytes(Number(r[3]!), m.valueSize),
        );
        m.entries.set(key, at);
        return 0n;
      }
      case 'map_delete_elem': {
        const m = this.mapOf(r[1]!);
        m.entries.delete(Buffer.from(this.bytes(Number(r[2]!), m.keySize)).toString('hex'));
        return 0n;
      }
      case 'probe_read':
      case 'probe_read_user':
      case 'probe_read_kernel': {
        const n = Number(r[2]!);
        const from = this.bytes(Number(r[3]!), n);
        new Uint8Array(this.memory.buffer, Number(r[1]!), n).set(from);
        return 0n;
      }
      case 'probe_read_str':
      case 'probe_read_user_str':
      case 'probe_read_kernel_str': {
        const n = Number(r[2]!);
        const from = this.bytes(Number(r[3]!), n);
        const end = Math.min(from.indexOf(0) < 0 ? n - 1 : from.indexOf(0), n - 1);
        const out = new Uint8Array(this.memory.buffer, Number(r[1]!), end + 1);
        out.set(from.subarray(0, end));
        out[end] = 0;
        return BigInt(end + 1);
      }
      case 'perf_event_output':
        events.push(this.bytes(Number(r[4]!), Number(r[5]!)));
        return 0n;
      case 'get_current_comm': {
        const text = new TextEncoder().encode('bpfq-test');
        const out = new Uint8Array(Number(r[2]!));
        out.set(text.subarray(0, out.length - 1));
        new Uint8Array(this.memory.buffer, Number(r[1]!), out.length).set(out);
        return 0n;
      }
      default:
        return this.options.helperValue ?? 0x100000002n;
    }
  }
}
