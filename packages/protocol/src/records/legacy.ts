import { crc32 } from '@node-rs/crc32';
import { decompress, toCompressionType, asCorrupt } from '../compression/index.js';
import { lz4DecompressLegacy } from '../compression/lz4.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Reader } from '../primitives/reader.js';
import { CompressionType, readInt64AsNumber } from './batch-header.js';
import { TimestampType, type DecodedRecord, type RecordBatch } from './types.js';

/**
 * Legacy message sets, magic 0 (Kafka 0.8) and magic 1 (0.10, adds a timestamp). Each entry:
 *
 *   0  offset      int64
 *   8  size        int32   bytes after this field
 *  12  crc         uint32  CRC32 (IEEE) of bytes 16..end
 *  16  magic       int8
 *  17  attributes  int8    bits 0-2 compression, bit 3 LogAppendTime (magic 1)
 *  18  timestamp   int64   magic 1 only
 *      key         int32 length + bytes (-1 = null)
 *      value       int32 length + bytes (-1 = null)
 *
 * A compressed entry ("wrapper") carries a whole inner message set, compressed, as its value.
 * In magic 1 the inner offsets are relative (0..n-1) and the wrapper holds the absolute offset
 * of the last one; in magic 0 the inner offsets are absolute.
 */
export const LegacyHeader = {
  Offset: 0,
  Size: 8,
  Crc: 12,
  Magic: 16,
  Attributes: 17,
  Timestamp: 18,
  LogOverhead: 12,
  /** Smallest `size` field: crc, magic, attributes and two null lengths (plus 8 in magic 1). */
  MinSizeV0: 14,
  MinSizeV1: 22,
} as const;

export const LEGACY_LOG_APPEND_TIME = 0x08;

const corrupt = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.CorruptMessage, why);

interface LegacyMessage {
  offset: number;
  size: number;
  crc: number;
  magic: 0 | 1;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

/** Size (log overhead included) of the complete legacy entry at `at`; Truncated if it runs past `buf`. */
export function legacyEntrySize(buf: Buffer, at: number): number {
  const left = buf.length - at;
  if (left < LegacyHeader.LogOverhead)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `message set entry header needs 12 bytes, ${left} left`);
  const size = buf.readInt32BE(at + LegacyHeader.Size);
  if (size < LegacyHeader.MinSizeV0) throw corrupt(`message size ${size} is below the minimum of 14`);
  if (size + LegacyHeader.LogOverhead > left)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `message of ${size} bytes, ${left - 12} left`);
  return size + LegacyHeader.LogOverhead;
}

function readMessage(buf: Buffer, at: number): LegacyMessage {
  const total = legacyEntrySize(buf, at);
  const end = at + total;
  const magic = buf.readInt8(at + LegacyHeader.Magic);
  if (magic !== 0 && magic !== 1) throw corrupt(`legacy message with magic ${magic}`);
  if (magic === 1 && total - LegacyHeader.LogOverhead < LegacyHeader.MinSizeV1)
    throw corrupt(`magic-1 message of ${total - 12} bytes is below the minimum of 22`);
  const crc = buf.readUInt32BE(at + LegacyHeader.Crc);
  const actual = crc32(buf.subarray(at + LegacyHeader.Magic, end));
  if (actual !== crc)
    throw new ProtocolError(
      ProtocolErrorCode.CorruptChecksum,
      `message CRC32 is ${actual.toString(16)}, header says ${crc.toString(16)}`,
    );
  const timestamp = magic === 1 ? readInt64AsNumber(buf, at + LegacyHeader.Timestamp) : -1;
  const r = new Reader(buf, at + LegacyHeader.Timestamp + (magic === 1 ? 8 : 0), end);
  const key = r.readNullableBytes();
  const value = r.readNullableBytes();
  if (r.remaining !== 0) throw corrupt(`${r.remaining} stray bytes after a legacy message's value`);
  return {
    offset: readInt64AsNumber(buf, at),
    size: total,
    crc,
    magic,
    attributes: buf.readInt8(at + LegacyHeader.Attributes),
    timestamp,
    key,
    value,
  };
}

function innerMessages(outer: LegacyMessage, compression: CompressionType): LegacyMessage[] {
  if (outer.value === null) throw corrupt('compressed legacy message without a value');
  let inner: Buffer;
  try {
    // Kafka before 0.10 wrote magic-0 LZ4 frames with a wrong header checksum; readers skip it.
    inner =
      outer.magic === 0 && compression === CompressionType.Lz4
        ? lz4DecompressLegacy(outer.value)
        : decompress(compression, outer.value);
  } catch (e) {
    throw asCorrupt(compression, e);
  }
  const messages: LegacyMessage[] = [];
  // The inner set was compressed whole, so a short entry here is corruption, not a fetch cut.
  for (let at = 0; at < inner.length;) {
    const m = readMessage(inner, at);
    if (m.magic !== outer.magic) throw corrupt(`inner message magic ${m.magic} in a magic-${outer.magic} wrapper`);
    if ((m.attributes & 0x07) !== 0) throw corrupt('compressed message nested in a compressed message');
    messages.push(m);
    at += m.size;
  }
  if (messages.length === 0) throw corrupt('compressed legacy message with no inner messages');
  return messages;
}

/** Decodes the legacy entry at `at` (complete, as checked by legacyEntrySize) into a batch. */
export function decodeLegacyEntry(buf: Buffer, at: number): RecordBatch {
  const outer = readMessage(buf, at);
  const compression = toCompressionType(outer.attributes & 0x07);
  const logAppend = outer.magic === 1 && (outer.attributes & LEGACY_LOG_APPEND_TIME) !== 0;
  const compressed = compression !== CompressionType.None;
  const messages = compressed ? innerMessages(outer, compression) : [outer];

  // Magic 1 inner offsets are relative: the wrapper's offset belongs to the last inner message.
  const shift = compressed && outer.magic === 1 ? outer.offset - messages[messages.length - 1]!.offset : 0;
  const timestampOf = (m: LegacyMessage): number => (logAppend ? outer.timestamp : m.timestamp);
  const first = messages[0]!;
  const baseOffset = first.offset + shift;
  const baseTimestamp = timestampOf(first);

  const records = messages.map((m): DecodedRecord => ({
    attributes: m.attributes,
    offsetDelta: m.offset + shift - baseOffset,
    timestampDelta: timestampOf(m) - baseTimestamp,
    key: m.key,
    value: m.value,
    headers: [],
    offset: m.offset + shift,
    timestamp: timestampOf(m),
  }));
  return {
    magic: outer.magic,
    baseOffset,
    lastOffset: outer.offset,
    lastOffsetDelta: outer.offset - baseOffset,
    partitionLeaderEpoch: -1,
    crc: outer.crc,
    attributes: outer.attributes,
    compression,
    timestampType:
      outer.magic === 0
        ? TimestampType.NoTimestamp
        : logAppend
          ? TimestampType.LogAppendTime
          : TimestampType.CreateTime,
    isTransactional: false,
    isControl: false,
    baseTimestamp,
    maxTimestamp: outer.timestamp,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    sizeInBytes: outer.size,
    records,
  };
}
