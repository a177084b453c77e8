/**
 * The topic configs a leader applies to a produced batch before it reaches the log, as Kafka's
 * LogValidator does: keys on compacted topics, CreateTime timestamps within
 * message.timestamp.before/after.max.ms of the broker clock, no client-set LogAppendTime, and
 * compression.type. The batch is decoded only when one of these needs its records, and
 * re-encoded only when the topic's codec differs from the producer's: `producer` (the default)
 * keeps the client's bytes as they are. Re-encoding keeps every header field (offset deltas,
 * timestamps, producer id/epoch/sequence), so idempotence and timestamps are unaffected.
 */
import { BatchAttributes, CompressionType, ErrorCode, type RecordBatchHeader } from '@gregor/protocol';
import { NEVER, type CodecRecord } from '@gregor/storage';
import { recordBatchCodec } from './batch-codec.js';

export interface RecordPolicy {
  compacted: boolean;
  /** The codec batches are stored with, or `producer` for "as sent". */
  compression: CompressionType | 'producer';
  logAppendTime: boolean;
  /** How far before / after the broker clock a CreateTime timestamp may be (NEVER = unchecked). */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
}

const CODECS: Record<string, CompressionType | 'producer'> = {
  producer: 'producer',
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

const LONG_MAX = '9223372036854775807';
const window = (raw: string | undefined): number => {
  if (raw === undefined || raw.trim() === LONG_MAX) return NEVER;
  const n = Number(raw.trim());
  return Number.isFinite(n) && n < NEVER ? n : NEVER;
};

/** The policy from a topic's effective configs (Kafka names). */
export function recordPolicyFrom(config: Readonly<Record<string, string>>): RecordPolicy {
  // KIP-937: before/after fall back to the deprecated difference setting when not set themselves.
  const difference = window(config['message.timestamp.difference.max.ms']);
  const before = window(config['message.timestamp.before.max.ms']);
  const after = window(config['message.timestamp.after.max.ms']);
  return {
    compacted: (config['cleanup.policy'] ?? '').split(',').some((p) => p.trim() === 'compact'),
    compression: CODECS[(config['compression.type'] ?? 'producer').trim()] ?? 'producer',
    logAppendTime: (config['message.timestamp.type'] ?? '').trim() === 'LogAppendTime',
    timestampBeforeMaxMs: before < NEVER ? before : difference,
    timestampAfterMaxMs: after < NEVER ? after : difference,
  };
}

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** A batch refused for what its records hold; `recordErrors` name the records (Produce v8+). */
export class RecordRejection extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
    readonly recordErrors: RecordError[] = [],
  ) {
    super(message);
  }
}

/**
 * Checks one client batch against the policy; returns the bytes to append (the same buffer
 * unless recompressed). Throws RecordRejection for records the topic refuses.
 */
export function applyRecordPolicy(
  records: Buffer,
  header: RecordBatchHeader,
  policy: RecordPolicy,
  now: number,
): Buffer {
  if ((header.attributes & BatchAttributes.TimestampTypeLogAppend) !== 0)
    throw new RecordRejection(
      ErrorCode.INVALID_TIMESTAMP,
      'Invalid timestamp type in the batch: producers should not set the timestamp type to LogAppendTime',
    );
  const codec = (header.attributes & BatchAttributes.CompressionMask) as CompressionType;
  const recompress = policy.compression !== 'producer' && policy.compression !== codec;
  const checkTimestamps =
    !policy.logAppendTime && (policy.timestampBeforeMaxMs < NEVER || policy.timestampAfterMaxMs < NEVER);
  if (!policy.compacted && !checkTimestamps && !recompress) return records;

  const decoded = recordBatchCodec.decode(records);
  if (policy.compacted && decoded.records.some((r) => r.key === null))
    throw new RecordRejection(ErrorCode.INVALID_RECORD, 'a compacted topic cannot accept records without a key');
  if (checkTimestamps) checkRecordTimestamps(decoded.records, policy, now);
  if (!recompress) return records;
  const attributes = (decoded.attributes & ~BatchAttributes.CompressionMask) | (policy.compression as number);
  return recordBatchCodec.encode({ ...decoded, attributes });
}

function checkRecordTimestamps(records: readonly CodecRecord[], policy: RecordPolicy, now: number): void {
  const earliest = now - policy.timestampBeforeMaxMs;
  const latest = now + policy.timestampAfterMaxMs;
  const errors: RecordError[] = [];
  records.forEach((record, index) => {
    if (record.timestamp < 0 || (record.timestamp >= earliest && record.timestamp <= latest)) return;
    errors.push({
      batchIndex: index,
      batchIndexErrorMessage:
        `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. ` +
        `The timestamp should be within [${earliest}, ${latest}]`,
    });
  });
  if (errors.length > 0)
    throw new RecordRejection(
      ErrorCode.INVALID_TIMESTAMP,
      `One or more records have been rejected due to invalid timestamp (${errors[0]!.batchIndexErrorMessage})`,
      errors,
    );
}
