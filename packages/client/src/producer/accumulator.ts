/**
 * The record accumulator: per partition, a queue of batches in send order. Appends go to the
 * open batch at the tail, or a new one when it is full (`batchSize`). The sender takes the head
 * batch of a partition when it is ready: full, older than `lingerMs`, or flushed.
 */
import type { RecordInput } from '@gregor/protocol';
import { ProducerBatch } from './producer-batch.js';
import type { RecordMetadata } from './types.js';

export interface PartitionQueue {
  topic: string;
  partition: number;
  batches: ProducerBatch[];
  /** A batch of this partition is being sent: the next waits (one in flight per partition). */
  inFlight: boolean;
}

export class RecordAccumulator {
  readonly queues = new Map<string, PartitionQueue>();
  /** Batches created but not yet done, across partitions (for flush). */
  private readonly open = new Set<ProducerBatch>();

  constructor(private readonly batchSize: number) {}

  private queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { topic, partition, batches: [], inFlight: false };
      this.queues.set(key, q);
    }
    return q;
  }

  /**
   * Whether a record of `size` bytes would start a new batch on a partition that has had one
   * before: the sticky partitioner's cue to move on (KIP-480 `onNewBatch`).
   */
  wouldStartNewBatch(topic: string, partition: number, size: number): boolean {
    const q = this.queues.get(`${topic}\u0000${partition}`);
    if (!q) return false;
    const tail = q.batches[q.batches.length - 1];
    return !tail || !tail.fits(size, this.batchSize);
  }

  /** Appends to the partition's open batch (or a new one); `size` bytes of memory are already reserved. */
  append(topic: string, partition: number, record: RecordInput, size: number, now: number): Promise<RecordMetadata> {
    const q = this.queue(topic, partition);
    let tail = q.batches[q.batches.length - 1];
    if (!tail || !tail.fits(size, this.batchSize)) {
      tail = new ProducerBatch(topic, partition, now);
      q.batches.push(tail);
      this.open.add(tail);
    }
    return tail.append(record, size);
  }

  /** Whether the head batch may be sent now (linger and size rules; retries wait for retryAt). */
  isReady(batch: ProducerBatch, q: PartitionQueue, now: number, lingerMs: number, hurry: boolean): boolean {
    if (batch.attempts > 0) return now >= batch.retryAt;
    return hurry || q.batches.length > 1 || batch.sizeBytes >= this.batchSize || now - batch.createdAt >= lingerMs;
  }

  /** Removes a finished head batch from its queue. */
  remove(batch: ProducerBatch): void {
    const q = this.queues.get(`${batch.topic}\u0000${batch.partition}`);
    if (q && q.batches[0] === batch) q.batches.shift();
    else if (q) q.batches.splice(q.batches.indexOf(batch), 1);
    this.open.delete(batch);
  }

  /** Every batch not yet done, in flight or queued. */
  pendingBatches(): ProducerBatch[] {
    return [...this.open];
  }

  get isEmpty(): boolean {
    return this.open.size === 0;
  }
}
