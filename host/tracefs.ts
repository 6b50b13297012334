// tracefs: the list of tracepoints and their format files. The kernel mounts tracefs at
// /sys/kernel/tracing; older setups only have it under debugfs (/sys/kernel/debug/tracing).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TracepointField } from '../compiler/host.js';

const MOUNT_POINTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The tracefs directory in use, or undefined when neither mount point has `events/`. */
export function findTracefs(candidates: readonly string[] = MOUNT_POINTS): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'available_events')));
}

/**
 * Parses `available_events` (`category:event` per line) into a sorted, duplicate-free list.
 * Sorted bytewise, as bpftrace prints them.
 */
export function parseAvailableEvents(text: string): string[] {
  const set = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.includes(':')) set.add(line);
  }
  return [...set].sort(compareBytes);
}

export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// `\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;`
const FIELD_LINE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;
// The declarator: the last identifier, with an optional array suffix after it.
const DECLARATOR = /^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/;

/**
 * Parses a tracepoint format file. Fields keep their order; `typeText` folds an array
 * suffix into the type (`char prev_comm[16]` has typeText `char[16]`), while `__data_loc`
 * fields keep the kernel's spelling (`__data_loc char[] name` has typeText
 * `__data_loc char[]`).
 */
export function parseTracepointFormat(text: string): TracepointField[] {
  const fields: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    const decl = DECLARATOR.exec(m[1] ?? '');
    if (!decl) continue;
    const base = (decl[1] ?? '').trim();
    const name = decl[2] ?? '';
    const suffix = decl[3] ?? '';
    const dataLoc = /(^|\s)__data_loc(\s|$)/.test(base);
    fields.push({
      name,
      typeText: base + suffix,
      offset: Number(m[2]),
      size: Number(m[3]),
      signed: m[4] === '1',
      dataLoc,
      // The common header (common_type, common_flags, common_preempt_count, common_pid)
      // precedes every event's own fields; -lv leaves it out.
      common: name.startsWith('common_'),
    });
  }
  return fields;
}

/** The C declaration of a field as the format file wrote it (what `-lv` prints). */
export function fieldDeclaration(field: TracepointField): string {
  const array = /^(.*?)(\[[^\]]*\])$/.exec(field.typeText);
  if (array && !field.dataLoc) return `${array[1] ?? ''} ${field.name}${array[2] ?? ''}`;
  return `${field.typeText} ${field.name}`;
}

/** Reads tracefs: events list and format files, each read at most once per instance. */
export class Tracefs {
  private events: string[] | undefined;
  private readonly formats = new Map<string, TracepointField[] | undefined>();

  constructor(readonly root: string) {}

  listTracepoints(): string[] {
    if (this.events === undefined) {
      try {
        this.events = parseAvailableEvents(
          readFileSync(join(this.root, 'available_events'), 'utf8'),
        );
      } catch {
        this.events = [];
      }
    }
    return this.events;
  }

  format(category: string, event: string): TracepointField[] | undefined {
    const key = `${category}:${event}`;
    if (this.formats.has(key)) return this.formats.get(key);
    let fields: TracepointField[] | undefined;
    // Names come from user programs: refuse anything that could walk out of events/.
    if (/^[^/.][^/]*$/.test(category) && /^[^/.][^/]*$/.test(event)) {
      try {
        fields = parseTracepointFormat(
          readFileSync(join(this.root, 'events', category, event, 'format'), 'utf8'),
        );
      } catch {
        fields = undefined;
      }
    }
    this.formats.set(key, fields);
    return fields;
  }

  /** The tracepoint id perf_event_open takes as `config`, or undefined. */
  id(category: string, event: string): number | undefined {
    try {
      const text = readFileSync(join(this.root, 'events', category, event, 'id'), 'utf8');
      const n = Number(text.trim());
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }
}
