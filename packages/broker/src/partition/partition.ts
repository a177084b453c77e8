/**
 * One partition as the broker sees it (Kafka's `Partition`): the log, the leader epoch and ISR
 * the controller decided, the idempotent producer state, and the waiters of delayed fetches. As
 * leader it appends clients' batches (producer sequences and record-level rules checked, the
 * bytes handed to the log unchanged), tracks its followers and moves the high watermark to what
 * the whole ISR has; as follower it appends the leader's batches as they are and truncates a
 * divergent tail. `makeLeader` / `makeFollower` are the only transitions, each for a newer epoch.
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
import { FollowerTracker } from './follower-tracker.js';
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

/** What a partition asks of the broker around it. */
export interface PartitionHooks {
  /**
   * The leader wants the ISR to become `isr` (through the controller: AlterPartition). Resolves
   * with the state the controller committed, or undefined when it refused (the leader retries later).
   */
  alterIsr(partition: Partition, isr: number[]): Promise<PartitionState | undefined>;
  /** The high watermark moved or leadership changed: delayed produces waiting on it re-check. */
  changed(partition: Partition): void;
  /** The controller committed an ISR change this leader asked for. */
  isrChanged?(partition: Partition, before: readonly number[], after: readonly number[]): void;
}

const NO_HOOKS: PartitionHooks = {
  alterIsr: async () => undefined,
  changed: () => {},
};

export class Partition {
  private producers: ProducerStateManager;
  private readonly waiters = new Set<() => void>();
  private snapshotOffset = -1;
  private readonly followers = new FollowerTracker();
  /** The ISR asked of the controller and not yet answered; counted for the high watermark meanwhile. */
  private pendingIsr: number[] | undefined;
  /** The log end offset when this leadership began: a follower must reach it to rejoin the ISR. */
  private epochStartOffset = 0;
  private leader = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
    readonly dir: string,
    public state: PartitionState,
    public settings: RecordPolicy & { minInsyncReplicas: number },
    readonly selfId: number = state.leader,
    private readonly hooks: PartitionHooks = NO_HOOKS,
  ) {
    this.producers = this.loadProducerState();
    if (state.leader === selfId) this.makeLeader(state, Date.now());
    else this.makeFollower(state);
  }

  get leaderEpoch(): number {
    return this.state.leaderEpoch;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * Becomes (or stays) the leader under `state`. A new epoch starts in the epoch cache at the log
   * end, and every follower starts unknown. With this broker alone in the ISR, everything in the
   * log is committed (the checkpointed high watermark may be stale after a crash).
   */
  makeLeader(state: PartitionState, now: number): void {
    const newEpoch = !this.leader || state.leaderEpoch !== this.state.leaderEpoch;
    this.state = state;
    this.leader = true;
    this.pendingIsr = undefined;
    if (newEpoch) {
      if (this.log.leaderEpoch < state.leaderEpoch) this.log.assignEpoch(state.leaderEpoch, this.log.logEndOffset);
      this.epochStartOffset = this.log.logEndOffset;
      this.followers.reset(state.replicas, state.isr, this.selfId, now);
    }
    this.maybeIncrementHighWatermark();
  }

  /** Becomes a follower under `state`: waiters of the old leadership end (they will see NOT_LEADER). */
  makeFollower(state: PartitionState): void {
    this.state = state;
    this.leader = false;
    this.pendingIsr = undefined;
    this.followers.clear();
    this.wakeWaiters();
    this.hooks.changed(this);
  }

  /** A new ISR (and partition epoch) under the same leader epoch, e.g. from UpdateMetadata after AlterPartition. */
  updateIsr(state: PartitionState): void {
    this.state = state;
    if (this.leader) this.maybeIncrementHighWatermark();
  }

  /**
   * Leader: moves the high watermark to the smallest log end offset of the ISR (the pending ISR
   * counted too, so a shrink not yet committed cannot let it run ahead). Returns whether it moved.
   */
  maybeIncrementHighWatermark(): boolean {
    if (!this.leader) return false;
    const isr = this.pendingIsr ? [...new Set([...this.state.isr, ...this.pendingIsr])] : this.state.isr;
    const before = this.log.highWatermark;
    const hw = this.followers.highWatermark(isr, this.selfId, this.log.logEndOffset, before);
    if (hw <= before) return false;
    this.log.updateHighWatermark(hw);
    this.hooks.changed(this);
    this.wakeWaiters();
    return true;
  }

  /**
   * Leader: a follower fetched from `fetchOffset`. Updates what it has, the high watermark, and
   * asks for its return to the ISR when it has caught up. False when it is not a replica here.
   */
  recordFollowerFetch(replicaId: number, fetchOffset: number, now: number): boolean {
    if (!this.followers.recordFetch(replicaId, fetchOffset, this.log.logEndOffset, now)) return false;
    if (!this.pendingIsr && !this.state.isr.includes(replicaId)) {
      const joiners = this.followers.joiners(this.state.isr, this.log.highWatermark, this.epochStartOffset);
      if (joiners.includes(replicaId)) this.requestIsr([...this.state.isr, replicaId]);
    }
    this.maybeIncrementHighWatermark();
    return true;
  }

  /** Leader: drops followers that have not caught up within `maxLagMs` from the ISR. */
  maybeShrinkIsr(now: number, maxLagMs: number): void {
    if (!this.leader || this.pendingIsr) return;
    const out = this.followers.laggards(this.state.isr, this.selfId, now, maxLagMs);
    if (out.length > 0) this.requestIsr(this.state.isr.filter((id) => !out.includes(id)));
  }

  /** Each follower's log end offset as this leader knows it (-1 unknown). */
  followerOffsets(): { replicaId: number; logEndOffset: number; lastCaughtUpMs: number }[] {
    return this.followers
      .entries()
      .map(([replicaId, f]) => ({ replicaId, logEndOffset: f.logEndOffset, lastCaughtUpMs: f.lastCaughtUpMs }));
  }

  private requestIsr(isr: number[]): void {
    this.pendingIsr = isr;
    const epoch = this.state.leaderEpoch;
    this.hooks
      .alterIsr(this, isr)
      .then((committed) => {
        if (this.pendingIsr !== isr) return;
        this.pendingIsr = undefined;
        if (committed && this.leader && committed.leaderEpoch === epoch) {
          const before = this.state.isr;
          this.state = committed;
          this.hooks.isrChanged?.(this, before, committed.isr);
        }
        this.maybeIncrementHighWatermark();
      })
      .catch(() => {
        if (this.pendingIsr === isr) this.pendingIsr = undefined;
      });
  }

  // ---- follower ----

  /** Follower: appends the leader's batches as they are (offsets and epochs kept); returns records appended. */
  appendAsFollower(records: Buffer): number {
    const result = this.log.append(records, { leaderEpoch: this.state.leaderEpoch, assignOffsets: false });
    trackProducers(this.producers, records, result.baseOffset);
    return result.recordCount;
  }

  /** Follower: the leader's high watermark, capped by what this log has. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw <= this.log.highWatermark) return;
    this.log.updateHighWatermark(hw);
    this.wakeWaiters();
  }

  /**
   * Follower: removes the divergent tail from `offset` on and rebuilds the producer state to
   * match (a truncated batch must not count as a duplicate later). Returns whether anything went.
   */
  truncateTo(offset: number): boolean {
    if (!this.log.truncateTo(offset)) return false;
    this.rebuildProducerState();
    return true;
  }

  /** Follower: empties the log and restarts it at `offset` (the leader's log start passed this one's end). */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.rebuildProducerState();
  }

  private rebuildProducerState(): void {
    this.snapshotOffset = -1;
    this.producers = this.loadProducerState();
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
    if (!this.leader) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.selfId} is not the leader`);
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
    // Alone in the ISR, the append is committed at once; else when the followers have fetched it.
    if (!this.maybeIncrementHighWatermark()) this.wakeWaiters();
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
      trackProducers(manager, records, from);
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

/** Records the idempotent producers' batches of `records` (those at or after `from`) in `manager`. */
function trackProducers(manager: ProducerStateManager, records: Buffer, from: number): void {
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
}
