import type { FilePool } from './file-pool.js';
import type { BatchCodec } from './batch-codec.js';
import type { DeletionReason } from './retention.js';

/** The option and result types of PartitionLog's API. */

export type Clock = () => number;

export interface OpenOptions {
  clock?: Clock;
  /** True when the data directory was shut down cleanly: skips CRC recovery of the tail. */
  cleanShutdown?: boolean;
  /** Needed for compaction and for exact (record-level) timestamp lookups. */
  codec?: BatchCodec;
  /** Where the segments' file descriptors come from (default: a process-wide pool). */
  files?: FilePool;
}

export interface AppendOptions {
  /** Stamped into every batch (assignOffsets) and recorded in the leader-epoch cache. */
  leaderEpoch: number;
  /** True for leader appends (the log numbers the batches); false for replicated batches. */
  assignOffsets: boolean;
  /** The broker's receive time for LogAppendTime topics; defaults to the log's clock. */
  logAppendTime?: number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The stamped time for LogAppendTime topics, else -1 (as the Produce response wants). */
  logAppendTime: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  logStartOffset: number;
  recordCount: number;
  batchCount: number;
  bytes: number;
  /**
   * Present when this append reached `flush.messages`: resolves once the records are fsynced
   * (rejects with a StorageError if the fsync failed or the log was truncated or closed first).
   */
  flushed?: Promise<void>;
}

export interface ReadOptions {
  /** Exclusive upper bound, e.g. the high watermark for consumers; default the log end offset. */
  maxOffset?: number;
  /** Return the first batch even if it exceeds maxBytes (KIP-74); default true. */
  minOneBatch?: boolean;
}

export interface ReadResult {
  /** Whole batches, as stored, ready to be sent in a Fetch response. */
  records: Buffer;
  /** Offset after the last returned batch (fetchOffset when nothing was returned). */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
  reasons: DeletionReason[];
  logStartOffset: number;
}

/** ListOffsets' special timestamps. */
export const ListOffsetsTimestamp = { Latest: -1, Earliest: -2, MaxTimestamp: -3, EarliestLocal: -4 } as const;
