// One BullMQ queue per node, opened on first use. The API only adds jobs and removes queued
// ones; the workers own processing.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueName } from '../service/keys.js';

export interface TraceJobData {
  /** The job record's id (the record itself lives in the job store). */
  id: string;
}

export class QueueRegistry {
  private readonly queues = new Map<string, Queue<TraceJobData>>();

  constructor(
    /** BullMQ shares this connection for its commands. */
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  get(node: string): Queue<TraceJobData> {
    let queue = this.queues.get(node);
    if (queue === undefined) {
      queue = new Queue<TraceJobData>(queueName(node), {
        connection: this.connection,
        prefix: this.prefix,
      });
      queue.on('error', () => undefined); // surfaced by the commands that fail
      this.queues.set(node, queue);
    }
    return queue;
  }

  nodes(): string[] {
    return [...this.queues.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
