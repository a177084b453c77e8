/**
 * One batch of records for one partition, from the first append until every record in it is
 * acknowledged or failed. Once sent it is closed to appends, and its encoded bytes (with its
 * producer id and sequence) are kept, so every retry sends exactly the same batch.
 */
import { encodeRecordBatch, type CompressionType, type RecordInput } from '@gregor/protocol';
import { deferred, type Deferred } from '../util/async.js';
import type { ProducerIdentity } from './idempotence.js';
import type { RecordMetadata } from './types.js';

/** A v2 batch header is 61 bytes; each record adds about 21 bytes of varints and attributes. */
export const BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 21;

export function estimateRecordSize(r: RecordInput): number {
  let size = RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

export class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly deliveries: Deferred<RecordMetadata>[] = [];
  /** Estimated encoded size before compression, header included. */
  sizeBytes = BATCH_OVERHEAD;
  /** Bytes of bufferMemory this batch holds. */
  reservedBytes = 0;
  /** No more appends: sent at least once. */
  closed = false;
  attempts = 0;
  /** Earliest time of the next send attempt (after a retriable failure). */
  retryAt = 0;
  encoded: Buffer | null = null;
  identity: ProducerIdentity | null = null;
  baseSequence = -1;
  done = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAt: number,
  ) {}

  get recordCount(): number {
    return this.records.length;
  }

  /** Whether a record of `size` bytes fits in `limit` (the first record always fits). */
  fits(size: number, limit: number): boolean {
    return !this.closed && (this.records.length === 0 || this.sizeBytes + size <= limit);
  }

  append(record: RecordInput, size: number): Promise<RecordMetadata> {
    const d = deferred<RecordMetadata>();
    this.records.push(record);
    this.deliveries.push(d);
    this.sizeBytes += size;
    this.reservedBytes += size;
    return d.promise;
  }

  /** Encodes once, with the identity and sequence it will carry on every attempt. */
  encode(compression: CompressionType, identity: ProducerIdentity | null, baseSequence: number): Buffer {
    this.identity = identity;
    this.baseSequence = baseSequence;
    this.encoded = encodeRecordBatch({
      records: this.records,
      compression,
      producerId: identity?.producerId ?? -1,
      producerEpoch: identity?.producerEpoch ?? -1,
      baseSequence,
    });
    return this.encoded;
  }

  /** Resolves every record: offsets count up from `baseOffset`; -1 stays -1. */
  complete(baseOffset: number, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    this.deliveries.forEach((d, i) => {
      const r = this.records[i]!;
      d.resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : (r.timestamp ?? -1),
      });
    });
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    for (const d of this.deliveries) d.reject(error);
  }
}
