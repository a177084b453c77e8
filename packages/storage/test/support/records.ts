/**
 * A tiny uncompressed RecordBatch v2 encoder/decoder for the tests only (the real codec lives in
 * @gregor/protocol). Implements the storage package's BatchCodec so compaction can be tested.
 */
import { BatchAttributes, BatchHeader, readBatchHeader, updateBatchCrc, writeInt64FromNumber } from '@gregor/protocol';
import type { BatchCodec, CodecRecord, DecodedBatch } from '../../src/index.js';

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function writeVarint(out: number[], signed: number): void {
  let v = zigzag(signed);
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function pushBytes(out: number[], bytes: Buffer | null): void {
  if (bytes === null) return writeVarint(out, -1);
  writeVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

export function encodeDecoded(batch: DecodedBatch): Buffer {
  const body: number[] = [];
  for (const r of batch.records) {
    const rec: number[] = [0];
    writeVarint(rec, r.timestamp - batch.baseTimestamp);
    writeVarint(rec, r.offset - batch.baseOffset);
    pushBytes(rec, r.key);
    pushBytes(rec, r.value);
    writeVarint(rec, r.headers.length);
    for (const h of r.headers) {
      pushBytes(rec, Buffer.from(h.key));
      pushBytes(rec, h.value);
    }
    writeVarint(body, rec.length);
    body.push(...rec);
  }
  const buf = Buffer.alloc(BatchHeader.Size + body.length);
  writeInt64FromNumber(buf, BatchHeader.BaseOffset, batch.baseOffset);
  buf.writeInt32BE(buf.length - BatchHeader.LogOverhead, BatchHeader.BatchLength);
  buf.writeInt32BE(batch.partitionLeaderEpoch, BatchHeader.PartitionLeaderEpoch);
  buf.writeInt8(2, BatchHeader.Magic);
  buf.writeInt16BE(batch.attributes, BatchHeader.Attributes);
  buf.writeInt32BE(batch.lastOffsetDelta, BatchHeader.LastOffsetDelta);
  writeInt64FromNumber(buf, BatchHeader.BaseTimestamp, batch.baseTimestamp);
  writeInt64FromNumber(buf, BatchHeader.MaxTimestamp, batch.maxTimestamp);
  writeInt64FromNumber(buf, BatchHeader.ProducerId, batch.producerId);
  buf.writeInt16BE(batch.producerEpoch, BatchHeader.ProducerEpoch);
  buf.writeInt32BE(batch.baseSequence, BatchHeader.BaseSequence);
  buf.writeInt32BE(batch.records.length, BatchHeader.RecordCount);
  Buffer.from(body).copy(buf, BatchHeader.Size);
  updateBatchCrc(buf);
  return buf;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.at++];
      if (b === undefined) throw new Error('varint past end');
      v += (b & 0x7f) * mul;
      mul *= 0x80;
      if (b < 0x80) break;
    }
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  bytes(): Buffer | null {
    const len = this.varint();
    if (len < 0) return null;
    const out = Buffer.from(this.buf.subarray(this.at, this.at + len));
    this.at += len;
    return out;
  }
}

export function decodeBatch(buf: Buffer): DecodedBatch {
  const h = readBatchHeader(buf);
  if ((h.attributes & BatchAttributes.CompressionMask) !== 0) throw new Error('test codec: compression unsupported');
  const reader = new Reader(buf, BatchHeader.Size);
  const records: CodecRecord[] = [];
  for (let i = 0; i < h.recordCount; i++) {
    reader.varint();
    reader.at += 1;
    const timestamp = h.baseTimestamp + reader.varint();
    const offset = h.baseOffset + reader.varint();
    const key = reader.bytes();
    const value = reader.bytes();
    const headers: CodecRecord['headers'][number][] = [];
    for (let n = reader.varint(); n > 0; n--)
      headers.push({ key: (reader.bytes() as Buffer).toString(), value: reader.bytes() });
    records.push({ offset, timestamp, key, value, headers });
  }
  return {
    baseOffset: h.baseOffset,
    lastOffsetDelta: h.lastOffsetDelta,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    attributes: h.attributes,
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    records,
  };
}

export const testCodec: BatchCodec = { decode: decodeBatch, encode: encodeDecoded };

export interface TestRecord {
  key?: string | Buffer | null;
  value?: string | Buffer | null;
  timestamp?: number;
}

const toBytes = (v: string | Buffer | null | undefined): Buffer | null =>
  v === undefined || v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);

/** A client-style batch (base offset 0, offsets 0..n-1) of `records`. */
export function makeBatch(
  records: readonly TestRecord[],
  options: { timestamp?: number; attributes?: number } = {},
): Buffer {
  const base = options.timestamp ?? 1_000;
  const codecRecords = records.map((r, i) => ({
    offset: i,
    timestamp: r.timestamp ?? base,
    key: toBytes(r.key),
    value: r.value === undefined ? Buffer.from(`value-${i}`) : toBytes(r.value),
    headers: [],
  }));
  const timestamps = codecRecords.map((r) => r.timestamp);
  return encodeDecoded({
    baseOffset: 0,
    lastOffsetDelta: records.length - 1,
    partitionLeaderEpoch: -1,
    attributes: options.attributes ?? 0,
    baseTimestamp: Math.min(...timestamps),
    maxTimestamp: Math.max(...timestamps),
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    records: codecRecords,
  });
}

/** A batch of one record whose value is `size` bytes (for size-driven tests). */
export function sizedBatch(size: number, timestamp = 1_000, key: string | null = null): Buffer {
  return makeBatch([{ key, value: Buffer.alloc(size, 0x61), timestamp }]);
}

/** Splits a buffer of concatenated batches into decoded batches. */
export function decodeAll(buf: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  for (let at = 0; at < buf.length;) {
    const size = buf.readInt32BE(at + BatchHeader.BatchLength) + BatchHeader.LogOverhead;
    out.push(decodeBatch(buf.subarray(at, at + size)));
    at += size;
  }
  return out;
}

/** Every record in `buf` as [offset, value-as-string] (values null for tombstones). */
export function recordsOf(
  buf: Buffer,
): { offset: number; key: string | null; value: string | null; timestamp: number }[] {
  return decodeAll(buf).flatMap((b) =>
    b.records.map((r) => ({
      offset: r.offset,
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      timestamp: r.timestamp,
    })),
  );
}
