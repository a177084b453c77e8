export * from './errors.js';
export * from './config.js';
export type { BatchCodec, CodecBatchHeader, CodecRecord, DecodedBatch } from './batch-codec.js';
export { PartitionLog } from './partition-log.js';
export { ListOffsetsTimestamp } from './partition-log-types.js';
export type {
  AppendOptions,
  AppendResult,
  Clock,
  OpenOptions,
  ReadOptions,
  ReadResult,
  RetentionResult,
} from './partition-log-types.js';
export type { CompactionStats } from './log-cleaner.js';
export type { DeletionReason } from './retention.js';
export type { TimestampAndOffset } from './timestamp-lookup.js';
export type { EpochEntry } from './leader-epoch-cache.js';
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';
export { LogManager, type LoadSummary, type LogManagerOptions, type RecoveredLog } from './log-manager.js';
export { FilePool } from './file-pool.js';
export { partitionDirName, parsePartitionDirName, offsetFileName } from './file-names.js';
// Read-only access to segment files for offline tools (gregor dump-log).
export { OffsetIndex } from './offset-index.js';
export { TimeIndex } from './time-index.js';
export { scanFileBatches, type FileBatch, type ScanEnd, type ScanOptions } from './record-batches.js';
export { parseSegmentFileName, LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX } from './file-names.js';
