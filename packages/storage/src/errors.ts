/**
 * Errors the partition log raises. Each carries a stable string `code` and the numeric Kafka
 * error code the broker should put in the response, so the broker maps them without matching
 * messages. I/O failures from `node:fs` are not wrapped: the broker treats them as
 * KAFKA_STORAGE_ERROR for the whole log directory, as Kafka does.
 */
export const StorageErrorCode = {
  /** A batch failed its structural checks (length, magic, CRC): Kafka's CORRUPT_MESSAGE. */
  CorruptRecord: 'CORRUPT_RECORD',
  /** A batch is internally inconsistent (record count vs offset range): Kafka's INVALID_RECORD. */
  InvalidRecord: 'INVALID_RECORD',
  /** One batch is larger than `max.message.bytes`: Kafka's MESSAGE_TOO_LARGE. */
  RecordTooLarge: 'RECORD_TOO_LARGE',
  /** The batches of one append together exceed `segment.bytes`: Kafka's RECORD_LIST_TOO_LARGE. */
  RecordListTooLarge: 'RECORD_LIST_TOO_LARGE',
  /** A fetch or log-start move outside [logStartOffset, logEndOffset]: OFFSET_OUT_OF_RANGE. */
  OffsetOutOfRange: 'OFFSET_OUT_OF_RANGE',
  /** A replicated append whose offsets do not continue the log (follower bug or stale fetch). */
  UnexpectedAppendOffset: 'UNEXPECTED_APPEND_OFFSET',
  /** A topic/partition config value that does not parse or is out of range: INVALID_CONFIG. */
  InvalidConfig: 'INVALID_CONFIG',
  /** The log was closed or deleted: KAFKA_STORAGE_ERROR (the broker should not be calling it). */
  LogClosed: 'LOG_CLOSED',
  /** An fsync failed (the disk is failing): KAFKA_STORAGE_ERROR. */
  FlushFailed: 'FLUSH_FAILED',
  /**
   * Records awaited to reach the disk were truncated first (the leader became a follower):
   * NOT_LEADER_OR_FOLLOWER, as Kafka answers a produce it can no longer complete as leader.
   */
  LogTruncated: 'LOG_TRUNCATED',
  /** An operation that needs a record codec (compaction) was called without one. */
  CodecMissing: 'CODEC_MISSING',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Kafka's numeric error codes for each storage error (see Kafka's `Errors` enum). */
export const KAFKA_ERROR_CODE: Record<StorageErrorCode, number> = {
  CORRUPT_RECORD: 2,
  INVALID_RECORD: 87,
  RECORD_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  OFFSET_OUT_OF_RANGE: 1,
  UNEXPECTED_APPEND_OFFSET: -1,
  INVALID_CONFIG: 40,
  LOG_CLOSED: 56,
  CODEC_MISSING: -1,
  FLUSH_FAILED: 56,
  LOG_TRUNCATED: 6,
};

export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  readonly kafkaErrorCode: number;
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kafkaErrorCode = KAFKA_ERROR_CODE[code];
  }
}

/** A produced batch that must be rejected as CORRUPT_MESSAGE (or INVALID_RECORD). */
export class CorruptRecordError extends StorageError {
  override readonly name = 'CorruptRecordError';
  constructor(message: string, code: typeof StorageErrorCode.CorruptRecord | typeof StorageErrorCode.InvalidRecord) {
    super(code, message);
  }
}

/** A batch over `max.message.bytes`, or an append over `segment.bytes`. */
export class RecordTooLargeError extends StorageError {
  override readonly name = 'RecordTooLargeError';
  constructor(
    message: string,
    code: typeof StorageErrorCode.RecordTooLarge | typeof StorageErrorCode.RecordListTooLarge,
  ) {
    super(code, message);
  }
}

export class OffsetOutOfRangeError extends StorageError {
  override readonly name = 'OffsetOutOfRangeError';
  constructor(
    message: string,
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(StorageErrorCode.OffsetOutOfRange, message);
  }
}

/** A config that cannot be accepted; `key` names the offending config for the response. */
export class InvalidConfigError extends StorageError {
  override readonly name = 'InvalidConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(StorageErrorCode.InvalidConfig, message);
  }
}
