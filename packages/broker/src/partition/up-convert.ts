/**
 * Produce v0-2 carry message sets in the old formats (magic 0 and 1). The log holds only record
 * batches (magic 2), so such a set is converted once, on append, into one v2 batch with the same
 * keys, values, timestamps and compression, as Kafka's LogValidator does. Old clients only: the
 * v3+ produce path never comes here and stays byte-for-byte.
 */
import {
  BatchHeader,
  CompressionType,
  decodeRecordBatches,
  encodeRecordBatch,
  ProtocolError,
  ProtocolErrorCode,
} from '@gregor/protocol';

/** True when `records` starts with an old-format message (magic 0 or 1). */
export const isLegacyMessageSet = (records: Buffer): boolean =>
  records.length > BatchHeader.Magic && records.readInt8(BatchHeader.Magic) < 2;

/** One v2 batch holding every message of a legacy message set; `now` stands in for magic-0 timestamps. */
export function upConvert(records: Buffer, now: number): Buffer {
  const batches = decodeRecordBatches(records);
  const messages = batches.flatMap((b) => b.records);
  if (messages.length === 0)
    throw new ProtocolError(ProtocolErrorCode.CorruptMessage, 'the message set holds no whole message');
  if (batches.some((b) => b.magic === 2))
    throw new ProtocolError(ProtocolErrorCode.CorruptMessage, 'a message set mixes old formats and record batches');
  const compression = batches.find((b) => b.compression !== CompressionType.None)?.compression ?? CompressionType.None;
  return encodeRecordBatch({
    records: messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: [],
      timestamp: m.timestamp >= 0 ? m.timestamp : now,
    })),
    compression,
    timestamp: now,
  });
}
