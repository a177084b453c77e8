/**
 * Legacy message sets (magic 0 and 1): our writer against hand-computed bytes, every codec,
 * relative inner offsets, LogAppendTime wrappers, and buffers mixing all three magics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from '@node-rs/crc32';
import { compress, CompressionType } from '../src/compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { encodeRecordBatch } from '../src/records/batch-encoder.js';
import { assignOffsets, batchBoundaries, decodeRecordBatches } from '../src/records/batches.js';
import { encodeMessageSet, type LegacyMessageInput } from '../src/records/legacy-encoder.js';
import { TimestampType } from '../src/records/types.js';

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

const messages: LegacyMessageInput[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1000 },
  { key: null, value: Buffer.from('v1'), timestamp: 1003 },
  { key: Buffer.from('k2'), value: null, timestamp: 999 },
  { key: Buffer.alloc(0), value: Buffer.alloc(20_000, 7), timestamp: 1001 },
];

test('a magic-0 message encodes to hand-computed bytes', () => {
  const set = encodeMessageSet({ magic: 0, baseOffset: 7, messages: [{ key: null, value: Buffer.from('hi') }] });
  const body = Buffer.from('00' + '00' + 'ffffffff' + '00000002' + '6869', 'hex'); // magic, attributes, null key, "hi"
  const expected = Buffer.concat([
    Buffer.from('0000000000000007' + '00000010', 'hex'), // offset 7, size 16
    Buffer.from(crc32(body).toString(16).padStart(8, '0'), 'hex'),
    body,
  ]);
  assert.equal(set.toString('hex'), expected.toString('hex'));
});

test('magic 0 and 1 round-trip, uncompressed and through every codec', () => {
  for (const magic of [0, 1] as const) {
    for (const compression of CODECS) {
      const set = encodeMessageSet({ magic, messages, compression, baseOffset: 40 });
      const batches = decodeRecordBatches(set);
      assert.equal(batches.length, compression === CompressionType.None ? messages.length : 1);
      const records = batches.flatMap((b) => b.records);
      assert.deepEqual(
        records.map((r) => r.offset),
        [40, 41, 42, 43],
        `magic ${magic} codec ${compression}`,
      );
      records.forEach((r, i) => {
        assert.deepEqual(r.key, messages[i]!.key);
        assert.deepEqual(r.value, messages[i]!.value);
        assert.equal(r.timestamp, magic === 1 ? messages[i]!.timestamp : -1);
        assert.deepEqual(r.headers, []);
      });
      for (const b of batches) {
        assert.equal(b.magic, magic);
        assert.equal(b.compression, compression);
        assert.equal(b.timestampType, magic === 0 ? TimestampType.NoTimestamp : TimestampType.CreateTime);
        assert.equal(b.producerId, -1);
        assert.equal(b.lastOffset, b.baseOffset + b.lastOffsetDelta);
        assert.equal(b.lastOffset, b.records.at(-1)!.offset);
      }
      if (magic === 1 && compression !== CompressionType.None) assert.equal(batches[0]!.maxTimestamp, 1003);
    }
  }
});

test('magic 1 wrappers: inner offsets are relative to the wrapper offset', () => {
  const set = encodeMessageSet({ magic: 1, messages, compression: CompressionType.Gzip, baseOffset: 0 });
  // The broker assigns offsets by rewriting only the wrapper's offset, to that of the last message.
  set.writeBigInt64BE(503n, 0);
  const [batch] = decodeRecordBatches(set);
  assert.deepEqual(
    batch!.records.map((r) => r.offset),
    [500, 501, 502, 503],
  );
  assert.equal(batch!.baseOffset, 500);
  const [boundary] = batchBoundaries(set);
  assert.equal(boundary!.lastOffset, 503);
});

test('magic 1 LogAppendTime wrappers give every inner message the wrapper timestamp', () => {
  for (const compression of [CompressionType.None, CompressionType.Snappy]) {
    const set = encodeMessageSet({ magic: 1, messages, compression, logAppendTime: 5555 });
    for (const batch of decodeRecordBatches(set)) {
      assert.equal(batch.timestampType, TimestampType.LogAppendTime);
      assert.ok(batch.records.every((r) => r.timestamp === 5555));
    }
  }
});

test('one buffer mixing magic 0, 1 and 2 decodes into one uniform list, partial tail dropped', () => {
  const mixed = Buffer.concat([
    encodeMessageSet({ magic: 0, messages: messages.slice(0, 2), baseOffset: 0 }),
    encodeMessageSet({ magic: 1, messages: messages.slice(0, 3), baseOffset: 2, compression: CompressionType.Lz4 }),
    encodeRecordBatch({ baseOffset: 5, records: [{ value: Buffer.from('v2'), timestamp: 1 }] }),
    encodeMessageSet({ magic: 0, messages, baseOffset: 6, compression: CompressionType.Lz4 }),
    encodeRecordBatch({ baseOffset: 10, records: [{ value: Buffer.from('cut') }] }).subarray(0, 40),
  ]);
  const batches = decodeRecordBatches(mixed);
  assert.deepEqual(
    batches.map((b) => b.magic),
    [0, 0, 1, 2, 0],
  );
  assert.deepEqual(
    batches.flatMap((b) => b.records.map((r) => r.offset)),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.throws(
    () => assignOffsets(mixed.subarray(0, mixed.length - 40), 0),
    (e) => e instanceof ProtocolError && e.code === ProtocolErrorCode.UnsupportedVersion,
  );
});

test('legacy corruption: bad CRC, unknown magic, nested compression, empty wrappers', () => {
  const is = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;
  const set = encodeMessageSet({ magic: 1, messages: messages.slice(0, 2) });
  const flipped = Buffer.from(set);
  flipped[30]! ^= 1;
  assert.throws(() => decodeRecordBatches(flipped), is(ProtocolErrorCode.CorruptChecksum));

  const badMagic = Buffer.from(set);
  badMagic[16] = 3;
  assert.throws(() => decodeRecordBatches(badMagic), is(ProtocolErrorCode.CorruptMessage));

  const tooSmall = Buffer.from(set);
  tooSmall.writeInt32BE(10, 8);
  assert.throws(() => decodeRecordBatches(tooSmall), is(ProtocolErrorCode.CorruptMessage));

  // A wrapper whose value is itself a compressed set: Kafka never nests.
  const inner = encodeMessageSet({ magic: 1, messages, compression: CompressionType.Gzip });
  const nested = encodeMessageSet({ magic: 1, messages: [{ value: inner }] });
  nested[17] = CompressionType.None; // keep the outer uncompressed: decodes as one message holding bytes
  assert.equal(decodeRecordBatches(nested)[0]!.records.length, 1);
  const wrappedTwice = wrap(inner, 1, CompressionType.Gzip);
  assert.throws(() => decodeRecordBatches(wrappedTwice), is(ProtocolErrorCode.CorruptMessage));
  assert.throws(
    () => decodeRecordBatches(wrap(Buffer.alloc(0), 1, CompressionType.Gzip)),
    is(ProtocolErrorCode.CorruptMessage),
  );
  // Inner magic must match the wrapper's.
  const v0inner = encodeMessageSet({ magic: 0, messages: messages.slice(0, 1) });
  assert.throws(
    () => decodeRecordBatches(wrap(v0inner, 1, CompressionType.Gzip)),
    is(ProtocolErrorCode.CorruptMessage),
  );
});

/** A magic 0/1 wrapper message around arbitrary (already built) inner bytes. */
function wrap(innerSet: Buffer, magic: 0 | 1, compression: CompressionType): Buffer {
  const value = compress(compression, innerSet);
  const tsBytes = magic === 1 ? 8 : 0;
  const out = Buffer.alloc(12 + 14 + tsBytes + value.length);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt8(magic, 16);
  out.writeInt8(compression, 17);
  let p = 18 + tsBytes;
  out.writeInt32BE(-1, p);
  out.writeInt32BE(value.length, p + 4);
  p += 8;
  value.copy(out, p);
  out.writeUInt32BE(crc32(out.subarray(16)), 12);
  return out;
}
