// One value of a sized type, read from event or map bytes (0.17 layouts, compiler/types.ts)
// into the value tree, or into a printf argument. Everything that needs the live system
// (stacks, symbols, user names, wall-clock time) is resolved here.
import type { Artifact } from '../../compiler/artifact.js';
import { sizeOf, type RecordField, type SizedType } from '../../compiler/types.js';
import { cString, hex, readInt, readUint, textOf } from './bytes.js';
import { strerror } from './errno-messages.js';
import type { DecodeContext, StackRef } from './events.js';
import { formatInet } from './inet.js';
import { escapeBytes, type PrintfArg } from './printf.js';
import { strftime } from './strftime.js';
import { systemCgroupPath, systemUserName } from './system-names.js';
import type { Value } from './values.js';

/** What value decoding needs besides the bytes. */
export interface DecodeEnv {
  artifact: Pick<Artifact, 'probeNames' | 'strftime'>;
  ctx: DecodeContext;
}

/** The value of type `type` at `offset` in `bytes`. */
export function decodeValue(
  type: SizedType,
  bytes: Uint8Array,
  offset: number,
  env: DecodeEnv,
): Value {
  switch (type.kind) {
    case 'none':
      return { t: 'none' };
    case 'int':
      return int(readInt(bytes, offset, type.size, type.signed));
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
      return int(readInt(bytes, offset, 8, type.signed));
    case 'hist':
    case 'lhist':
      return int(readInt(bytes, offset, 8, false));
    case 'pointer':
      // 0.17 prints a pointer value (alone, in a tuple or a struct) as a signed 64-bit decimal
      // number, in text and JSON alike; as a map key it is hex (decodeKeyPart).
      return int(readInt(bytes, offset, 8, true));
    case 'string':
      return { t: 'str', v: textOf(cString(bytes, offset, type.size)) };
    case 'buffer':
      return { t: 'str', v: escapeBytes(bufferBytes(type.size, bytes, offset)) };
    case 'tuple':
      return {
        t: 'tuple',
        v: type.fields.map((f, i) => decodeValue(f, bytes, offset + (type.offsets[i] ?? 0), env)),
      };
    case 'kstack':
    case 'ustack':
      return stack(
        type.kind === 'ustack',
        type.limit,
        type.mode,
        readUint(bytes, offset, 8),
        env.ctx,
      );
    case 'ksym':
      return { t: 'str', v: kernelSymbol(readUint(bytes, offset, 8), false, env.ctx) };
    case 'usym': {
      const addr = readUint(bytes, offset, 8);
      const pid = Number(readUint(bytes, offset + 8, 4));
      return { t: 'str', v: userSymbol(pid, addr, false, false, env.ctx) };
    }
    case 'inet': {
      const af = Number(readUint(bytes, offset, 4));
      return { t: 'str', v: formatInet(af, bytes.subarray(offset + 8, offset + 24)) };
    }
    case 'username': {
      const uid = Number(readUint(bytes, offset, 4));
      return { t: 'str', v: env.ctx.userName?.(uid) ?? systemUserName(uid) ?? String(uid) };
    }
    case 'probe': {
      const index = Number(readUint(bytes, offset, 8));
      return { t: 'str', v: env.artifact.probeNames[index] ?? '' };
    }
    case 'timestamp': {
      const id = Number(readUint(bytes, offset, 8));
      const ns = readUint(bytes, offset + 8, 8);
      return { t: 'time', v: strftime(env.artifact.strftime[id] ?? '', wallClockNs(ns, env.ctx)) };
    }
    case 'strerror':
      return { t: 'str', v: strerror(Number(readInt(bytes, offset, 8, true))) };
    case 'cgroup_path': {
      const id = readUint(bytes, offset, 8);
      return { t: 'str', v: env.ctx.cgroupPath?.(id) ?? systemCgroupPath(id) };
    }
    case 'mac_address':
      return {
        t: 'str',
        v: Array.from(bytes.subarray(offset, offset + 6), (b) =>
          b.toString(16).toUpperCase().padStart(2, '0'),
        ).join(':'),
      };
    case 'array': {
      const size = sizeOf(type.elem);
      const v: Value[] = [];
      for (let i = 0; i < type.count; i++)
        v.push(decodeValue(type.elem, bytes, offset + i * size, env));
      return { t: 'array', v };
    }
    case 'record':
      return {
        t: 'record',
        fields: type.fields.map((f) => ({
          name: f.name,
          value: fieldValue(f, bytes, offset, env),
        })),
      };
  }
}

/**
 * One part of a map key. 0.17 formats key parts with its own code (MapKey::argument_value),
 * which differs from values for pointers, `0x` and lowercase hex (`0x0` for null), and for
 * structs, `{.a=1,.b=0x10}` without spaces, each field again formatted as a key part.
 * Everything else prints as the value would.
 */
export function decodeKeyPart(
  type: SizedType,
  bytes: Uint8Array,
  offset: number,
  env: DecodeEnv,
): Value {
  switch (type.kind) {
    case 'pointer':
      return { t: 'str', v: '0x' + hex(readUint(bytes, offset, 8)) };
    case 'record':
      return {
        t: 'str',
        v:
          '{' +
          type.fields
            .map((f) => `.${f.name}=${valueText(keyField(f, bytes, offset, env), KEY_INDENT)}`)
            .join(',') +
          '}',
      };
    default:
      return decodeValue(type, bytes, offset, env);
  }
}

/** Stack frames inside a map key are indented by 4 (0.17). */
const KEY_INDENT = 4;

function keyField(f: RecordField, bytes: Uint8Array, base: number, env: DecodeEnv): Value {
  if (f.bitSize !== undefined && f.type.kind === 'int') return fieldValue(f, bytes, base, env);
  return decodeKeyPart(f.type, bytes, base + f.offset, env);
}

/** A struct field; a bitfield is `bitSize` bits from bit `bitOffset` of the field's storage. */
function fieldValue(f: RecordField, bytes: Uint8Array, base: number, env: DecodeEnv): Value {
  if (f.bitSize === undefined || f.type.kind !== 'int')
    return decodeValue(f.type, bytes, base + f.offset, env);
  // bitOffset counts from the byte at `offset`, so the bits may reach one byte past the type.
  const storage = readUint(bytes, base + f.offset, f.type.size + 1);
  const bits = BigInt.asUintN(f.bitSize, storage >> BigInt(f.bitOffset ?? 0));
  return int(f.type.signed ? BigInt.asIntN(f.bitSize, bits) : bits);
}

/** The value as C's printf would receive it in 0.17: a 64-bit integer, a string, or buffer bytes. */
export function printfArg(
  type: SizedType,
  bytes: Uint8Array,
  offset: number,
  env: DecodeEnv,
): PrintfArg {
  switch (type.kind) {
    case 'int':
      return { kind: 'int', v: readInt(bytes, offset, type.size, type.signed) };
    case 'pointer':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return { kind: 'int', v: readUint(bytes, offset, 8) };
    case 'none':
      return { kind: 'int', v: 0n };
    case 'buffer':
      return { kind: 'buf', bytes: bufferBytes(type.size, bytes, offset) };
    default:
      return { kind: 'str', v: valueText(decodeValue(type, bytes, offset, env), 8) };
  }
}

/**
 * A value as text where 0.17 turns it into a string (printf %s, print, map values):
 * stacks start with a newline and indent frames by `indent` spaces.
 */
export function valueText(v: Value, indent: number): string {
  switch (v.t) {
    case 'int':
    case 'str':
    case 'time':
      return v.v;
    case 'none':
      return '';
    case 'tuple':
      return '(' + v.v.map((f) => valueText(f, indent)).join(', ') + ')';
    case 'stack':
      return stackText(v.style, v.frames, indent);
    case 'record':
      return (
        '{ ' + v.fields.map((f) => `.${f.name} = ${valueText(f.value, indent)}`).join(', ') + ' }'
      );
    case 'array':
      return '[' + v.v.map((e) => valueText(e, indent)).join(',') + ']';
  }
}

/** 0.17's get_stack(): a leading newline, then one line per frame. */
export function stackText(style: string, frames: readonly string[], indent: number): string {
  const pad = style === 'bpftrace' ? ' '.repeat(indent) : '';
  return '\n' + frames.map((f) => pad + f + '\n').join('');
}

function int(v: bigint): Value {
  return { t: 'int', v: v.toString() };
}

/** `buf(p, n)`: a u8 length then the bytes; the length never exceeds the buffer. */
function bufferBytes(size: number, bytes: Uint8Array, offset: number): Uint8Array {
  const len = Math.min(bytes[offset] ?? 0, size);
  return bytes.subarray(offset + 1, offset + 1 + len);
}

function stack(
  user: boolean,
  limit: number,
  mode: StackRef['mode'],
  raw: bigint,
  ctx: DecodeContext,
): Value {
  // kstack holds the stack id; ustack packs the id (low 32 bits) and the pid (high 32).
  const stackId = Number(BigInt.asIntN(32, raw));
  const pid = Number(raw >> 32n);
  const addrs = stackId < 0 ? undefined : ctx.readStack({ user, limit, mode }, stackId);
  // 0.17 prints a stack it cannot look up as an empty string.
  if (addrs === undefined) return { t: 'str', v: '' };
  const frames: string[] = [];
  for (const addr of addrs) {
    if (addr === 0n) break;
    const sym = user
      ? userSymbol(pid, addr, true, mode === 'perf', ctx)
      : kernelSymbol(addr, true, ctx);
    switch (mode) {
      case 'bpftrace':
        frames.push(sym);
        break;
      case 'perf':
        frames.push(`\t${hex(addr)} ${sym}`);
        break;
      case 'raw':
        frames.push(hex(addr));
        break;
    }
  }
  return { t: 'stack', style: mode, frames };
}

/** An address as libstdc++ streams a `void *`: `0x...`, but a null pointer is plain `0`. */
function voidPointer(addr: bigint): string {
  return addr === 0n ? '0' : '0x' + hex(addr);
}

/** `sym` or `sym+off`; `0x...` when unknown (0.17 streams the address as a void*). */
export function kernelSymbol(addr: bigint, withOffset: boolean, ctx: DecodeContext): string {
  const s = ctx.symbolizer.kernel(addr);
  if (s === undefined) return voidPointer(addr);
  return withOffset ? `${s.name}+${s.offset}` : s.name;
}

/** As kernelSymbol, plus ` (module)` in perf-mode stacks (` ([unknown])` when unresolved). */
export function userSymbol(
  pid: number,
  addr: bigint,
  withOffset: boolean,
  withModule: boolean,
  ctx: DecodeContext,
): string {
  const s = ctx.symbolizer.user(pid, addr);
  if (s === undefined) return voidPointer(addr) + (withModule ? ' ([unknown])' : '');
  return (withOffset ? `${s.name}+${s.offset}` : s.name) + (withModule ? ` (${s.module})` : '');
}

/** The offset between CLOCK_MONOTONIC (bpf_ktime_get_ns) and the wall clock, taken once. */
let monotonicToWall: bigint | undefined;

function wallClockNs(ns: bigint, ctx: DecodeContext): bigint {
  if (ctx.wallClockNs) return ctx.wallClockNs(ns);
  // process.hrtime uses CLOCK_MONOTONIC on Linux, the clock nsecs reads.
  monotonicToWall ??= BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return ns + monotonicToWall;
}
