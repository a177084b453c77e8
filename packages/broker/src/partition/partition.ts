/**
 * One partition as the broker sees it: the log, the leader epoch and ISR from metadata, the
 * idempotent producer state, and the waiters of delayed fetches. Appends check producer
 * sequences and record-level rules, then hand the client's bytes to the log unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchAttributes,
  BatchHeader,
  ErrorCode,
  ProtocolError,
  readBatchHeader,
  type RecordBatchHeader,
} from '@gregor/protocol';
import { StorageError, type PartitionLog } from '@gregor/storage';
import { writeFileAtomic } from '../metadata/atomic-file.js';
import type { PartitionState } from '../metadata/metadata-store.js';
import { ProducerStateManager } from './producer-state.js';
import { applyRecordPolicy, RecordRejection, type RecordError, type RecordPolicy } from './record-policy.js';
import { isLegacyMessageSet, upConvert } from './up-convert.js';

export interface AppendOutcome {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  /** Records appended (0 for a duplicate or an error). */
  recordCount: number;
  bytes: number;
  /** The records that made the batch fail (INVALID_TIMESTAMP), for Produce v8+. */
  recordErrors?: RecordError[];
  /** When the append reached flush.messages: resolves once fsynced (answer only then). */
  flushed?: Promise<void>;
}

const SNAPSHOT_FILE = 'producer-state.json';
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

export class Partition {
  private producers: ProducerStateManager;
  private readonly waiters = new Set<() => void>();
  private snapshotOffset = -1;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
    readonly dir: string,
    public state: PartitionState,
    public settings: RecordPolicy & { minInsyncReplicas: number },
  ) {
    this.producers = this.loadProducerState();
    if (log.leaderEpoch < state.leaderEpoch) log.assignEpoch(state.leaderEpoch, log.logEndOffset);
    this.maybeAdvanceHighWatermark();
  }

  /**
   * The high watermark is the smallest log end offset in the ISR. With this broker alone in the
   * ISR that is its own log end: everything in the log after recovery is committed (the
   * checkpointed value may be stale after a crash).
   */
  maybeAdvanceHighWatermark(): void {
    if (this.state.isr.length === 1 && this.state.isr[0] === this.state.leader)
      this.log.updateHighWatermark(this.log.logEndOffset);
  }

  get leaderEpoch(): number {
    return this.state.leaderEpoch;
  }

  /** Appends a produce request's records for this partition, as the leader. */
  appendAsLeader(records: Buffer, requiredAcks: number): AppendOutcome {
    const failed = (errorCode: number, message: string, recordErrors: RecordError[] = []): AppendOutcome => ({
      errorCode,
      errorMessage: message,
      baseOffset: -1,
      logAppendTime: -1,
      logStartOffset: this.log.logStartOffset,
      recordCount: 0,
      bytes: 0,
      recordErrors,
    });
    if (requiredAcks === -1 && this.state.isr.length < this.settings.minInsyncReplicas)
      return failed(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `ISR has ${this.state.isr.length} of min.insync.replicas=${this.settings.minInsyncReplicas}`,
      );
    let header: RecordBatchHeader;
    try {
      if (isLegacyMessageSet(records)) records = upConvert(records, Date.now());
      header = this.checkRecords(records);
      records = applyRecordPolicy(records, header, this.settings, Date.now());
    } catch (err) {
      if (err instanceof RecordRejection) return failed(err.errorCode, err.message, err.recordErrors);
      if (err instanceof ProtocolError) return failed(ErrorCode.CORRUPT_MESSAGE, err.message);
      throw err;
    }
    const idempotent = header.producerId >= 0;
    const lastSeq = header.baseSequence + header.lastOffsetDelta;
    if (idempotent) {
      const check = this.producers.check(header.producerId, header.producerEpoch, header.baseSequence, lastSeq);
      if (check.kind === 'error') return failed(check.errorCode, check.message);
      if (check.kind === 'duplicate')
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          baseOffset: check.batch.firstOffset,
          logAppendTime: -1,
          logStartOffset: this.log.logStartOffset,
          recordCount: 0,
          bytes: 0,
        };
    }
    let result;
    try {
      result = this.log.append(records, { leaderEpoch: this.state.leaderEpoch, assignOffsets: true });
    } catch (err) {
      if (err instanceof StorageError) return failed(err.kafkaErrorCode, err.message);
      throw err;
    }
    if (idempotent)
      this.producers.update(header.producerId, header.producerEpoch, {
        firstSeq: header.baseSequence,
        lastSeq,
        firstOffset: result.baseOffset,
        lastOffset: result.lastOffset,
        timestamp: result.maxTimestamp,
      });
    // One broker: the ISR is this broker, so an append is committed as soon as it is written.
    this.maybeAdvanceHighWatermark();
    this.wakeWaiters();
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: result.baseOffset,
      logAppendTime: result.logAppendTime,
      logStartOffset: result.logStartOffset,
      recordCount: result.recordCount,
      bytes: result.bytes,
      ...(result.flushed ? { flushed: result.flushed } : {}),
    };
  }

  /** Record-level rules the log cannot check without decoding; returns the (single) batch's header. */
  private checkRecords(records: Buffer): RecordBatchHeader {
    if (records.length < BatchHeader.Size)
      throw new RecordRejection(ErrorCode.CORRUPT_MESSAGE, `record set of ${records.length} bytes is truncated`);
    const magic = records.readInt8(BatchHeader.Magic);
    if (magic !== 2) throw new RecordRejection(ErrorCode.CORRUPT_MESSAGE, `unknown message format (magic ${magic})`);
    const header = readBatchHeader(records, 0);
    const size = header.batchLength + BatchHeader.LogOverhead;
    if (size !== records.length)
      throw new RecordRejection(ErrorCode.INVALID_RECORD, 'a produce request must carry exactly one record batch');
    if ((header.attributes & BatchAttributes.Control) !== 0)
      throw new RecordRejection(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    if ((header.attributes & BatchAttributes.Transactional) !== 0)
      throw new RecordRejection(
        ErrorCode.INVALID_TXN_STATE,
        'transactional produce is not supported by this broker yet',
      );
    return header;
  }

  /** Calls `wake` once after the next append (or when the partition goes away). */
  onNextAppend(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  // ---- producer state persistence ----

  /** Loads the last snapshot and replays batch headers after it (the state is rebuilt from the log). */
  private loadProducerState(): ProducerStateManager {
    let manager = new ProducerStateManager();
    let from = this.log.logStartOffset;
    const path = join(this.dir, SNAPSHOT_FILE);
    if (existsSync(path)) {
      try {
        const snap = JSON.parse(readFileSync(path, 'utf8')) as { offset: number; producers: never };
        if (snap.offset <= this.log.logEndOffset && snap.offset >= this.log.logStartOffset) {
          manager = ProducerStateManager.fromJSON(snap.producers);
          from = snap.offset;
          // Up to date: the next snapshot (every 30 s, and at shutdown) has nothing to write.
          if (snap.offset === this.log.logEndOffset) this.snapshotOffset = snap.offset;
        }
      } catch {
        // A damaged snapshot only costs a longer replay.
      }
    }
    this.replayProducers(manager, from);
    return manager;
  }

  private replayProducers(manager: ProducerStateManager, from: number): void {
    let offset = from;
    const end = this.log.logEndOffset;
    while (offset < end) {
      const { records, nextOffset } = this.log.read(offset, REPLAY_CHUNK_BYTES, { maxOffset: end });
      if (records.length === 0 || nextOffset <= offset) break;
      for (let at = 0; at + BatchHeader.Size <= records.length;) {
        const h = readBatchHeader(records, at);
        if (h.producerId >= 0 && (h.attributes & BatchAttributes.Control) === 0 && h.baseOffset >= from)
          manager.update(h.producerId, h.producerEpoch, {
            firstSeq: h.baseSequence,
            lastSeq: h.baseSequence + h.lastOffsetDelta,
            firstOffset: h.baseOffset,
            lastOffset: h.baseOffset + h.lastOffsetDelta,
            timestamp: h.maxTimestamp,
          });
        at += h.batchLength + BatchHeader.LogOverhead;
      }
      offset = nextOffset;
    }
  }

  /** Writes the producer state when it changed since the last snapshot. */
  snapshotProducerState(): void {
    const offset = this.log.logEndOffset;
    if (offset === this.snapshotOffset) return;
    this.producers.removeBefore(this.log.logStartOffset);
    writeFileAtomic(join(this.dir, SNAPSHOT_FILE), JSON.stringify({ offset, producers: this.producers.toJSON() }));
    this.snapshotOffset = offset;
  }

  /** Drops producer state below a new log start offset (retention, DeleteRecords). */
  logStartMoved(): void {
    this.producers.removeBefore(this.log.logStartOffset);
  }
}
