// One perf event (an async action) into what to print or do. Layouts are 0.17's
// (async_event_types.h), little-endian, each starting with the u64 action id:
//   printf/system/cat  {u64 id; args at FormatSpec.args[i].offset from the event start}
//   exit               {u64 id}
//   print              {u64 id; u32 map; u32 top; u32 div}   map = index in Artifact.maps
//   clear, zero        {u64 id; u32 map}
//   time               {u64 id; u32 time id}
//   join               {u64 id; u64 join id; argCount strings of argSize bytes}
//   helper_error       {u64 id; u64 error id; i32 return value}
//   print_non_map      {u64 id; u64 print id; the value}
import type { Artifact, FormatSpec, MapArtifact } from '../../compiler/artifact.js';
import { cString, readInt, readUint, textOf } from './bytes.js';
import { printfArg, type DecodeEnv, decodeValue } from './decode-value.js';
import { ASYNC_ACTION, type DecodeContext, type DecodedEvent } from './events.js';
import { formatPrintf } from './printf.js';
import { strftime } from './strftime.js';

/** Decodes one event read from the events map (perf buffer). Throws on an unknown action id. */
export function decodeEvent(
  artifact: Artifact,
  bytes: Uint8Array,
  ctx: DecodeContext,
): DecodedEvent {
  const env: DecodeEnv = { artifact, ctx };
  const id = Number(readUint(bytes, 0, 8));
  if (id < ASYNC_ACTION.system) {
    const text = format(artifact.printf[id], id, bytes, env);
    return { kind: 'output', record: { type: 'printf', text } };
  }
  if (id < ASYNC_ACTION.cat) {
    const command = format(artifact.system[id - ASYNC_ACTION.system], id, bytes, env);
    return { kind: 'system', command };
  }
  if (id < ASYNC_ACTION.exit) {
    const path = format(artifact.cat[id - ASYNC_ACTION.cat], id, bytes, env);
    return { kind: 'cat', path };
  }
  switch (id) {
    case ASYNC_ACTION.exit:
      return { kind: 'exit' };
    case ASYNC_ACTION.print:
      return {
        kind: 'print_map',
        map: mapAt(artifact, Number(readUint(bytes, 8, 4))),
        top: Number(readUint(bytes, 12, 4)),
        div: Number(readUint(bytes, 16, 4)),
      };
    case ASYNC_ACTION.clear:
    case ASYNC_ACTION.zero:
      return {
        kind: id === ASYNC_ACTION.clear ? 'clear' : 'zero',
        map: mapAt(artifact, Number(readUint(bytes, 8, 4))),
      };
    case ASYNC_ACTION.time: {
      const fmt = artifact.time[Number(readUint(bytes, 8, 4))] ?? '%H:%M:%S\n';
      const now = ctx.now?.() ?? new Date();
      const text = strftime(fmt, BigInt(now.getTime()) * 1_000_000n);
      return { kind: 'output', record: { type: 'time', text } };
    }
    case ASYNC_ACTION.join: {
      const join = artifact.join[Number(readUint(bytes, 8, 8))];
      if (join === undefined) throw new Error('join event with an unknown join id');
      const parts: string[] = [];
      // Arguments end at the first empty one (argv's NULL terminator reads as an empty string).
      for (let i = 0; i < join.argCount; i++) {
        const part = cString(bytes, 16 + i * join.argSize, join.argSize);
        if (part.length === 0) break;
        parts.push(textOf(part));
      }
      return { kind: 'output', record: { type: 'join', text: parts.join(join.separator) } };
    }
    case ASYNC_ACTION.helperError:
      return {
        kind: 'helper_error',
        errorId: Number(readUint(bytes, 8, 8)),
        retcode: Number(readInt(bytes, 16, 4, true)),
      };
    case ASYNC_ACTION.printNonMap: {
      const type = artifact.printValue[Number(readUint(bytes, 8, 8))];
      if (type === undefined) throw new Error('print event with an unknown print id');
      return {
        kind: 'output',
        record: { type: 'value', value: decodeValue(type, bytes, 16, env) },
      };
    }
    default:
      throw new Error(`unknown async action id ${id}`);
  }
}

function format(
  spec: FormatSpec | undefined,
  id: number,
  bytes: Uint8Array,
  env: DecodeEnv,
): string {
  if (spec === undefined) throw new Error(`event with an unknown format id ${id}`);
  const args = spec.args.map((a) => printfArg(a.type, bytes, a.offset, env));
  return formatPrintf(spec.format, args);
}

function mapAt(artifact: Artifact, index: number): MapArtifact {
  const map = artifact.maps[index];
  if (map === undefined) throw new Error(`map event with an unknown map index ${index}`);
  return map;
}
