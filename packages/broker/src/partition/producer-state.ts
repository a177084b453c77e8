/**
 * Idempotent producer state of one partition (Kafka's ProducerStateManager, reduced to what
 * idempotence needs): per producer id its epoch and the last five batches' sequence ranges, so
 * a retried batch is acknowledged with its original offsets instead of being appended twice,
 * and a gap or a stale epoch is refused.
 */
import { ErrorCode } from '@gregor/protocol';

/** Kafka keeps the metadata of the last five batches per producer (max.in.flight = 5). */
export const BATCHES_PER_PRODUCER = 5;
const INT32_MAX = 0x7fff_ffff;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  lastTimestamp: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; batch: BatchMetadata }
  | { kind: 'error'; errorCode: number; message: string };

/** The sequence after `seq`, wrapping at Int32.MAX as Kafka does. */
const nextSeq = (seq: number): number => (seq === INT32_MAX ? 0 : seq + 1);

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>();

  /** Checks an incoming idempotent batch against the producer's state (nothing is changed). */
  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (!entry) {
      if (firstSeq === 0) return { kind: 'append' };
      // State expired with retention (or never existed): the client must reset its sequence.
      return {
        kind: 'error',
        errorCode: ErrorCode.UNKNOWN_PRODUCER_ID,
        message: `unknown producer ${producerId} with sequence ${firstSeq}`,
      };
    }
    if (epoch < entry.epoch)
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${producerId} epoch ${epoch} is older than the current ${entry.epoch}`,
      };
    if (epoch > entry.epoch) {
      if (firstSeq === 0) return { kind: 'append' };
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} started epoch ${epoch} at sequence ${firstSeq}, not 0`,
      };
    }
    const duplicate = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate) return { kind: 'duplicate', batch: duplicate };
    const last = entry.batches[entry.batches.length - 1];
    const expected = last ? nextSeq(last.lastSeq) : 0;
    if (firstSeq !== expected)
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} sent sequence ${firstSeq}, expected ${expected}`,
      };
    return { kind: 'append' };
  }

  /** Records an appended (or replayed) batch. */
  update(producerId: number, epoch: number, batch: BatchMetadata): void {
    let entry = this.producers.get(producerId);
    if (!entry || epoch > entry.epoch) {
      entry = { epoch, batches: [], lastTimestamp: batch.timestamp };
      this.producers.set(producerId, entry);
    }
    entry.batches.push(batch);
    if (entry.batches.length > BATCHES_PER_PRODUCER) entry.batches.shift();
    entry.lastTimestamp = batch.timestamp;
  }

  /** Forgets producers whose batches all lie below the log start (removed by retention or DeleteRecords). */
  removeBefore(logStartOffset: number): void {
    for (const [pid, entry] of this.producers)
      if (entry.batches.every((b) => b.lastOffset < logStartOffset)) this.producers.delete(pid);
  }

  toJSON(): [number, ProducerEntry][] {
    return [...this.producers.entries()];
  }

  static fromJSON(entries: [number, ProducerEntry][]): ProducerStateManager {
    const m = new ProducerStateManager();
    for (const [pid, entry] of entries) m.producers.set(pid, entry);
    return m;
  }
}
