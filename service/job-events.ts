// A job's events in a Redis stream, so a Server-Sent Events client that connects late (or
// reconnects with Last-Event-ID) first gets what it missed, then the rest live. Stream ids
// double as SSE ids.
import type { Redis } from 'ioredis';
import type { JobStatus } from './job.js';
import type { Keys } from './keys.js';

export type JobEvent =
  | { event: 'status'; data: { status: JobStatus; at: string; error?: string } }
  | { event: 'attached'; data: { probes: number; at: string } }
  | { event: 'printf'; data: { text: string } }
  | { event: 'lost'; data: { events: number } }
  | { event: 'result'; data: { status: JobStatus; truncated: boolean; interrupted: boolean } };

export interface StoredEvent {
  id: string;
  event: JobEvent['event'];
  data: unknown;
}

/** Streams are trimmed to about this many events; printf floods are summarised as `lost`. */
export const MAX_STREAM_EVENTS = 10_000;

export async function appendEvent(
  redis: Redis,
  keys: Keys,
  jobId: string,
  e: JobEvent,
): Promise<string> {
  const id = await redis.xadd(
    keys.events(jobId),
    'MAXLEN',
    '~',
    String(MAX_STREAM_EVENTS),
    '*',
    'event',
    e.event,
    'data',
    JSON.stringify(e.data),
  );
  return id ?? '';
}

function decode(entries: [string, string[]][]): StoredEvent[] {
  return entries.map(([id, fields]) => {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
    return {
      id,
      event: (map.get('event') ?? 'status') as JobEvent['event'],
      data: JSON.parse(map.get('data') ?? 'null') as unknown,
    };
  });
}

/** Events after `afterId` ('0' = from the start). */
export async function readEvents(
  redis: Redis,
  keys: Keys,
  jobId: string,
  afterId: string,
): Promise<StoredEvent[]> {
  const start = afterId === '0' ? '-' : `(${afterId}`;
  return decode(await redis.xrange(keys.events(jobId), start, '+'));
}

/** Waits up to `blockMs` for events after `afterId`. Needs a connection of its own. */
export async function waitEvents(
  blocking: Redis,
  keys: Keys,
  jobId: string,
  afterId: string,
  blockMs: number,
): Promise<StoredEvent[]> {
  const reply = (await blocking.xread('BLOCK', blockMs, 'STREAMS', keys.events(jobId), afterId)) as
    [string, [string, string[]][]][] | null;
  if (reply === null) return [];
  return decode(reply[0]?.[1] ?? []);
}
