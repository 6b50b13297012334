// tracepoint:CAT:EVENT — a PERF_TYPE_TRACEPOINT event whose config is the tracepoint id from
// tracefs, with the program set on it by ioctl, as bpftrace 0.17 does. One event on CPU 0 is
// enough: the program runs from the tracepoint's handler on every CPU.
import { readFileSync } from 'node:fs';
import { PERF_TYPE } from '../libbpf/constants.js';
import {
  encodePerfEventAttr,
  perfEventEnable,
  perfEventOpen,
  perfEventSetBpf,
} from '../libbpf/perf-event.js';
import { closeFd } from '../libbpf/program.js';
import type { AttachableProgram, Attachment } from './attachment.js';
import { perfAttachment } from './attachment.js';
import { AttachError } from './attach-error.js';

export const TRACEFS = '/sys/kernel/tracing';

export function tracepointId(category: string, event: string): number {
  const path = `${TRACEFS}/events/${category}/${event}/id`;
  try {
    return Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch (e) {
    throw new AttachError(`tracepoint:${category}:${event}`, `no such tracepoint (${path})`, e);
  }
}

export function attachTracepoint(
  prog: AttachableProgram,
  category: string,
  event: string,
): Attachment {
  const id = tracepointId(category, event);
  const attr = encodePerfEventAttr({
    type: PERF_TYPE.TRACEPOINT,
    config: BigInt(id),
    sample: 1n,
    wakeupEvents: 1,
  });
  const what = `tracepoint:${category}:${event}`;
  const fd = perfEventOpen(attr, -1, 0, what);
  try {
    perfEventSetBpf(fd, prog.fd, what);
    perfEventEnable(fd, what);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return perfAttachment(prog.name, [fd], [`tracepoint id ${id}: perf_event fd ${fd}`]);
}
