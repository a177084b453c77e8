import { crc32 } from '@node-rs/crc32';
import { compress } from '../compression/index.js';
import { lz4CompressLegacy } from '../compression/lz4.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { CompressionType, writeInt64FromNumber } from './batch-header.js';
import { LEGACY_LOG_APPEND_TIME, LegacyHeader } from './legacy.js';

/**
 * A minimal magic 0/1 message-set writer: what old producers and brokers wrote, so the legacy
 * reader can be tested against real layouts (and a broker can down-convert for old consumers).
 */
export interface LegacyMessageInput {
  key?: Buffer | null | undefined;
  value?: Buffer | null | undefined;
  /** Magic 1 only; defaults to the set's `timestamp`. */
  timestamp?: number | undefined;
}

export interface EncodeMessageSetOptions {
  magic: 0 | 1;
  messages: readonly LegacyMessageInput[];
  /** Offset of the first message; default 0. */
  baseOffset?: number | undefined;
  compression?: CompressionType | undefined;
  /** Default CreateTime for magic-1 messages without one; default Date.now(). */
  timestamp?: number | undefined;
  /** Magic 1: mark the set LogAppendTime with this time (on the wrapper when compressed). */
  logAppendTime?: number | undefined;
}

const messageSize = (magic: 0 | 1, key: Buffer | null, value: Buffer | null): number =>
  LegacyHeader.LogOverhead + LegacyHeader.MinSizeV0 + (magic === 1 ? 8 : 0) + (key?.length ?? 0) + (value?.length ?? 0);

/** Writes one entry at `at` in `out` (sized by messageSize) and returns the position after it. */
function writeMessage(
  out: Buffer,
  at: number,
  fields: {
    offset: number;
    magic: 0 | 1;
    attributes: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
  },
): number {
  const { magic, key, value } = fields;
  const size = messageSize(magic, key, value);
  writeInt64FromNumber(out, at, fields.offset);
  out.writeInt32BE(size - LegacyHeader.LogOverhead, at + LegacyHeader.Size);
  out.writeInt8(magic, at + LegacyHeader.Magic);
  out.writeInt8(fields.attributes, at + LegacyHeader.Attributes);
  let p = at + LegacyHeader.Timestamp;
  if (magic === 1) {
    writeInt64FromNumber(out, p, fields.timestamp);
    p += 8;
  }
  for (const bytes of [key, value]) {
    out.writeInt32BE(bytes === null ? -1 : bytes.length, p);
    p += 4;
    if (bytes !== null) p += bytes.copy(out, p);
  }
  out.writeUInt32BE(crc32(out.subarray(at + LegacyHeader.Magic, at + size)), at + LegacyHeader.Crc);
  return at + size;
}

/** Builds a magic 0 or 1 message set; with compression, one wrapper message holding them all. */
export function encodeMessageSet(opts: EncodeMessageSetOptions): Buffer {
  const { magic, messages } = opts;
  if (messages.length === 0) return Buffer.alloc(0);
  const compression = opts.compression ?? CompressionType.None;
  const baseOffset = opts.baseOffset ?? 0;
  const now = opts.timestamp ?? Date.now();
  const logAppend = magic === 1 && opts.logAppendTime !== undefined ? LEGACY_LOG_APPEND_TIME : 0;
  const timestampOf = (m: LegacyMessageInput): number => opts.logAppendTime ?? m.timestamp ?? now;
  for (const m of messages) {
    const t = timestampOf(m);
    if (!Number.isSafeInteger(t)) throw new ProtocolError(ProtocolErrorCode.InvalidValue, `bad timestamp ${t}`);
  }

  // Magic 1 inner offsets are relative to the wrapper; magic 0 ones (and uncompressed) are absolute.
  const relative = magic === 1 && compression !== CompressionType.None;
  const set = Buffer.allocUnsafe(messages.reduce((n, m) => n + messageSize(magic, m.key ?? null, m.value ?? null), 0));
  let at = 0;
  messages.forEach((m, i) => {
    at = writeMessage(set, at, {
      offset: relative ? i : baseOffset + i,
      magic,
      attributes: compression === CompressionType.None ? logAppend : 0,
      timestamp: timestampOf(m),
      key: m.key ?? null,
      value: m.value ?? null,
    });
  });
  if (compression === CompressionType.None) return set;

  const value =
    magic === 0 && compression === CompressionType.Lz4 ? lz4CompressLegacy(set) : compress(compression, set);
  let wrapperTimestamp = -1;
  for (const m of messages) wrapperTimestamp = Math.max(wrapperTimestamp, timestampOf(m));
  const wrapper = Buffer.allocUnsafe(messageSize(magic, null, value));
  writeMessage(wrapper, 0, {
    offset: baseOffset + messages.length - 1,
    magic,
    attributes: compression | logAppend,
    timestamp: wrapperTimestamp,
    key: null,
    value,
  });
  return wrapper;
}
