import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import type { DecodedRecord, RecordHeader, RecordInput } from './types.js';

/**
 * The records section of a v2 batch: each record is a varint length followed by
 *   attributes int8, timestampDelta varlong, offsetDelta varint, key varint-bytes,
 *   value varint-bytes, header count varint, [header key varint-string, header value varint-bytes].
 * Lengths come first, so encoding measures every record before writing it; the sizes are kept
 * so the batch can be written in one pass into one exactly sized Writer.
 */

export function sizeOfUVarint(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}
/** Size of a zigzag varint or varlong. */
export const sizeOfVarint = (v: number): number => sizeOfUVarint(v >= 0 ? v * 2 : -v * 2 - 1);
const sizeOfVarintBytes = (b: Buffer | null | undefined): number => (b == null ? 1 : sizeOfVarint(b.length) + b.length);

const invalid = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.InvalidValue, why);
const corrupt = (why: string): ProtocolError => new ProtocolError(ProtocolErrorCode.CorruptMessage, why);

const NO_HEADERS: readonly RecordHeader[] = [];

/** What the header needs to know about the records, plus each record's body size. */
export interface MeasuredRecords {
  bodySizes: number[];
  /** Size of the whole records section. */
  size: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

export function measureRecords(
  records: readonly RecordInput[],
  defaultTimestamp: number,
  baseTimestampOverride?: number,
): MeasuredRecords {
  const bodySizes = new Array<number>(records.length);
  let size = 0;
  let lastOffsetDelta = -1;
  const baseTimestamp =
    baseTimestampOverride ?? (records.length === 0 ? -1 : (records[0]!.timestamp ?? defaultTimestamp));
  let maxTimestamp = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const offsetDelta = r.offsetDelta ?? i;
    if (!Number.isInteger(offsetDelta) || offsetDelta <= lastOffsetDelta || offsetDelta > 0x7fffffff)
      throw invalid(`record ${i}: offsetDelta ${offsetDelta} must be an int32 above the previous record's`);
    lastOffsetDelta = offsetDelta;
    const timestamp = r.timestamp ?? defaultTimestamp;
    if (!Number.isSafeInteger(timestamp)) throw invalid(`record ${i}: timestamp ${timestamp} is not a safe integer`);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    let body =
      1 +
      sizeOfVarint(timestamp - baseTimestamp) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarintBytes(r.key) +
      sizeOfVarintBytes(r.value);
    const headers = r.headers ?? NO_HEADERS;
    body += sizeOfVarint(headers.length);
    for (const h of headers) {
      const keyLength = Buffer.byteLength(h.key);
      body += sizeOfVarint(keyLength) + keyLength + sizeOfVarintBytes(h.value);
    }
    bodySizes[i] = body;
    size += sizeOfVarint(body) + body;
  }
  return { bodySizes, size, lastOffsetDelta: Math.max(lastOffsetDelta, 0), baseTimestamp, maxTimestamp };
}

export function writeRecords(
  w: Writer,
  records: readonly RecordInput[],
  measured: MeasuredRecords,
  defaultTimestamp: number,
): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.writeVarint(measured.bodySizes[i]!);
    w.writeInt8(r.attributes ?? 0);
    w.writeVarlong((r.timestamp ?? defaultTimestamp) - measured.baseTimestamp);
    w.writeVarint(r.offsetDelta ?? i);
    w.writeVarintBytes(r.key ?? null);
    w.writeVarintBytes(r.value ?? null);
    const headers = r.headers ?? NO_HEADERS;
    w.writeVarint(headers.length);
    for (const h of headers) {
      w.writeVarintString(h.key);
      w.writeVarintBytes(h.value);
    }
  }
}

/** Where decoded records take their absolute offsets and timestamps from. */
export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** The batch's maxTimestamp when it uses LogAppendTime, which then applies to every record. */
  logAppendTime: number | null;
}

/** Decodes `count` records; the reader must hold exactly the records section. */
export function readRecords(r: Reader, count: number, ctx: RecordContext): DecodedRecord[] {
  if (count < 0) throw corrupt(`negative record count ${count}`);
  // Each record takes at least 7 bytes, so a count beyond this cannot be honest; checking it
  // first keeps a hostile count from driving a long loop or a large array.
  if (count > r.remaining / 7)
    throw corrupt(`record count ${count} does not fit in the ${r.remaining} bytes of the records section`);
  const records = new Array<DecodedRecord>(count);
  for (let i = 0; i < count; i++) records[i] = readRecord(r, ctx);
  if (r.remaining !== 0) throw corrupt(`${r.remaining} bytes left after the batch's ${count} records`);
  return records;
}

function readRecord(r: Reader, ctx: RecordContext): DecodedRecord {
  const length = r.readVarint();
  if (length < 0) throw new ProtocolError(ProtocolErrorCode.NegativeLength, `negative record length ${length}`);
  if (length > r.remaining)
    throw new ProtocolError(ProtocolErrorCode.Truncated, `record of ${length} bytes, ${r.remaining} left`);
  const end = r.offset + length;
  const attributes = r.readInt8();
  const timestampDelta = r.readVarlong();
  const offsetDelta = r.readVarint();
  const key = r.readVarintBytes();
  const value = r.readVarintBytes();
  const headerCount = r.readVarint();
  if (headerCount < 0)
    throw new ProtocolError(ProtocolErrorCode.NegativeLength, `negative header count ${headerCount}`);
  if (headerCount * 2 > end - r.offset) throw corrupt(`header count ${headerCount} exceeds the record's length`);
  const headers = new Array<RecordHeader>(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const k = r.readVarintBytes();
    if (k === null) throw new ProtocolError(ProtocolErrorCode.NegativeLength, 'null record header key');
    headers[i] = { key: k.toString('utf8'), value: r.readVarintBytes() };
  }
  if (r.offset !== end) throw corrupt(`record declares ${length} bytes but its fields take ${r.offset - end + length}`);
  return {
    attributes,
    offsetDelta,
    timestampDelta,
    key,
    value,
    headers,
    offset: ctx.baseOffset + offsetDelta,
    timestamp: ctx.logAppendTime ?? ctx.baseTimestamp + timestampDelta,
  };
}
