/**
 * Magic-2 record batches: exact bytes for a hand-computed batch, round trips through every codec,
 * control and transactional batches, timestamps, and the broker's in-place header edits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { CompressionType } from '../src/compression/index.js';
import { ProtocolError, ProtocolErrorCode } from '../src/errors.js';
import { BatchHeader, batchCrcIsValid, readBatchHeader } from '../src/records/batch-header.js';
import { decodeRecordBatch } from '../src/records/batch-decoder.js';
import { encodeRecordBatch, type EncodeRecordBatchOptions } from '../src/records/batch-encoder.js';
import {
  assignOffsets,
  batchBoundaries,
  decodeRecordBatches,
  iterateRecordBatches,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../src/records/batches.js';
import {
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  encodeEndTxnMarkerBatch,
} from '../src/records/control.js';
import { TimestampType, type RecordInput } from '../src/records/types.js';

const CODECS = [
  CompressionType.None,
  CompressionType.Gzip,
  CompressionType.Snappy,
  CompressionType.Lz4,
  CompressionType.Zstd,
] as const;

/** A bitwise CRC32C (Castagnoli, reflected 0x82F63B78), independent of the native one. */
function slowCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('a small uncompressed batch encodes to hand-computed bytes', () => {
  assert.equal(slowCrc32c(Buffer.from('123456789')), 0xe3069283, 'the reference CRC32C check value');
  const batch = encodeRecordBatch({
    baseOffset: 5,
    partitionLeaderEpoch: 3,
    producerId: 9,
    producerEpoch: 1,
    baseSequence: 0,
    records: [
      { key: Buffer.from('a'), value: Buffer.from('bc'), timestamp: 1000 },
      { key: null, value: Buffer.from('d'), timestamp: 1001, headers: [{ key: 'h', value: Buffer.from('x') }] },
    ],
  });
  const afterCrc = [
    '0000', // attributes: uncompressed, CreateTime, not transactional, not control
    '00000001', // lastOffsetDelta
    '00000000000003e8', // baseTimestamp 1000
    '00000000000003e9', // maxTimestamp 1001
    '0000000000000009', // producerId
    '0001', // producerEpoch
    '00000000', // baseSequence
    '00000002', // record count
    // record 0: length 9 (zigzag 0x12); attributes 0; timestampDelta 0; offsetDelta 0;
    // key "a" (length 1 = 0x02); value "bc" (length 2 = 0x04); no headers
    '12' + '00' + '00' + '00' + '02' + '61' + '04' + '6263' + '00',
    // record 1: length 11 (0x16); attributes 0; timestampDelta 1 (0x02); offsetDelta 1 (0x02);
    // null key (-1 = 0x01); value "d"; one header (0x02): key "h", value "x"
    '16' + '00' + '02' + '02' + '01' + '02' + '64' + '02' + '02' + '68' + '02' + '78',
  ].join('');
  const expected = Buffer.from(
    [
      '0000000000000005', // baseOffset
      '00000047', // batchLength: 83 bytes - 12
      '00000003', // partitionLeaderEpoch
      '02', // magic
      '03de258a', // CRC32C of everything after it, computed by hand (bitwise) and checked below
      afterCrc,
    ].join(''),
    'hex',
  );
  assert.equal(slowCrc32c(Buffer.from(afterCrc, 'hex')), 0x03de258a);
  assert.equal(batch.toString('hex'), expected.toString('hex'));

  const decoded = decodeRecordBatch(batch);
  assert.equal(decoded.records[1]!.offset, 6);
  assert.equal(decoded.records[1]!.timestamp, 1001);
  assert.equal(decoded.records[1]!.headers[0]!.value!.toString(), 'x');
});

function sampleRecords(n: number, valueSize = 20): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 5 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 7 === 3 ? null : i % 11 === 4 ? Buffer.alloc(0) : Buffer.alloc(valueSize, `value-${i}-`),
    timestamp: 1_700_000_000_000 + ((i * 37) % 101) - 50, // out of order, some before the first
    headers:
      i % 3 === 0
        ? []
        : [
            { key: 'trace-id', value: Buffer.from(`t${i}`) },
            { key: 'ключ', value: null },
            { key: '', value: Buffer.alloc(0) },
          ],
  }));
}

function assertRecordsMatch(actual: ReturnType<typeof decodeRecordBatch>, inputs: RecordInput[], baseOffset: number) {
  assert.equal(actual.records.length, inputs.length);
  inputs.forEach((input, i) => {
    const r = actual.records[i]!;
    assert.equal(r.offset, baseOffset + i);
    assert.equal(r.offsetDelta, i);
    assert.equal(r.timestamp, input.timestamp);
    assert.deepEqual(r.key, input.key ?? null);
    assert.deepEqual(r.value, input.value ?? null);
    assert.deepEqual(r.headers, input.headers ?? []);
  });
}

test('batches round-trip through every codec with null/empty keys, values and headers', () => {
  const records = sampleRecords(200);
  for (const compression of CODECS) {
    const batch = encodeRecordBatch({ records, compression, baseOffset: 1_000_000, producerId: 77, producerEpoch: 2 });
    const decoded = decodeRecordBatch(batch);
    assert.equal(decoded.compression, compression);
    assert.equal(decoded.attributes & 7, compression);
    assert.equal(decoded.baseOffset, 1_000_000);
    assert.equal(decoded.lastOffset, 1_000_199);
    assert.equal(decoded.producerId, 77);
    assert.equal(decoded.producerEpoch, 2);
    assert.equal(decoded.baseSequence, -1);
    assert.equal(decoded.partitionLeaderEpoch, -1);
    assert.equal(decoded.sizeInBytes, batch.length);
    assert.equal(decoded.baseTimestamp, records[0]!.timestamp);
    assert.equal(decoded.maxTimestamp, Math.max(...records.map((r) => r.timestamp!)));
    assert.equal(decoded.timestampType, TimestampType.CreateTime);
    assertRecordsMatch(decoded, records, 1_000_000);
    if (compression !== CompressionType.None) assert.ok(batch.length < encodeRecordBatch({ records }).length);
  }
});

test('large batches: 1 MiB of 1 KiB records, and single values past the zero-copy threshold', () => {
  const records = Array.from({ length: 1024 }, (_, i) => ({ value: Buffer.alloc(1024, i % 251), timestamp: i }));
  for (const compression of CODECS)
    assertRecordsMatch(decodeRecordBatch(encodeRecordBatch({ records, compression })), records, 0);
  const big = [
    { key: Buffer.alloc(9000, 1), value: Buffer.alloc(3 << 20, 2), timestamp: 5 },
    { value: Buffer.alloc(10), timestamp: 6 },
  ];
  for (const compression of CODECS)
    assertRecordsMatch(decodeRecordBatch(encodeRecordBatch({ records: big, compression })), big, 0);
});

test('attributes: transactional, control and LogAppendTime round-trip', () => {
  const decoded = decodeRecordBatch(
    encodeRecordBatch({
      records: [
        { value: Buffer.from('v'), timestamp: 10 },
        { value: Buffer.from('w'), timestamp: 20 },
      ],
      transactional: true,
      producerId: 5,
      producerEpoch: 0,
      baseSequence: 42,
      logAppendTime: 99,
      compression: CompressionType.Gzip,
    }),
  );
  assert.equal(decoded.isTransactional, true);
  assert.equal(decoded.isControl, false);
  assert.equal(decoded.baseSequence, 42);
  assert.equal(decoded.timestampType, TimestampType.LogAppendTime);
  assert.equal(decoded.attributes, 0x01 | 0x08 | 0x10);
  assert.equal(decoded.maxTimestamp, 99);
  assert.deepEqual(
    decoded.records.map((r) => [r.timestamp, r.timestampDelta]),
    [
      [99, 0],
      [99, 10],
    ],
  );
});

test('timestamps: negative deltas, far-future values, explicit offset deltas and defaults', () => {
  const decoded = decodeRecordBatch(
    encodeRecordBatch({
      records: [
        { value: null, timestamp: 2 ** 52, offsetDelta: 0 },
        { value: null, timestamp: 0, offsetDelta: 5 },
        { value: null, offsetDelta: 9 },
      ],
      timestamp: 123,
    }),
  );
  assert.deepEqual(
    decoded.records.map((r) => [r.offset, r.timestamp]),
    [
      [0, 2 ** 52],
      [5, 0],
      [9, 123],
    ],
  );
  assert.equal(decoded.lastOffsetDelta, 9);
  assert.equal(decoded.records[1]!.timestampDelta, -(2 ** 52));
  const now = Date.now();
  const stamped = decodeRecordBatch(encodeRecordBatch({ records: [{}] }));
  assert.ok(Math.abs(stamped.records[0]!.timestamp - now) < 5000);
});

test('the encoder rejects offset deltas that do not increase and unsafe numbers', () => {
  const invalid = (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCode.InvalidValue;
  const bad: EncodeRecordBatchOptions[] = [
    { records: [{ offsetDelta: 1 }, { offsetDelta: 1 }] },
    { records: [{ offsetDelta: -1 }] },
    { records: [{ timestamp: 2 ** 60 }] },
    { records: [{}], baseOffset: 2 ** 60 },
    { records: [{ offsetDelta: 3 }], lastOffsetDelta: 2 },
  ];
  for (const opts of bad) assert.throws(() => encodeRecordBatch(opts), invalid);
});

test('an empty batch keeps an explicit lastOffsetDelta (what compaction leaves)', () => {
  const decoded = decodeRecordBatch(encodeRecordBatch({ records: [], lastOffsetDelta: 4, baseOffset: 10 }));
  assert.equal(decoded.records.length, 0);
  assert.equal(decoded.lastOffset, 14);
  assert.equal(decoded.baseTimestamp, -1);
});

test('control batches carry commit and abort markers', () => {
  for (const type of [ControlRecordType.Commit, ControlRecordType.Abort]) {
    const batch = encodeEndTxnMarkerBatch({
      type,
      producerId: 4000,
      producerEpoch: 3,
      coordinatorEpoch: 17,
      baseOffset: 50,
      timestamp: 1,
    });
    const decoded = decodeRecordBatch(batch);
    assert.equal(decoded.isControl, true);
    assert.equal(decoded.isTransactional, true);
    assert.equal(decoded.attributes, 0x30);
    assert.equal(decoded.producerId, 4000);
    const [record] = decoded.records;
    assert.deepEqual(record!.key, Buffer.from([0, 0, 0, type]));
    assert.deepEqual(record!.value, Buffer.from([0, 0, 0, 0, 0, 17]));
    assert.deepEqual(decodeControlRecordKey(record!), { version: 0, type });
    assert.deepEqual(decodeEndTxnMarker(record!), { type, coordinatorEpoch: 17 });
  }
  const corrupt = (e: unknown) => e instanceof ProtocolError && e.code === ProtocolErrorCode.CorruptMessage;
  assert.throws(() => decodeControlRecordKey({ key: Buffer.from([0, 0, 0]) }), corrupt);
  assert.throws(() => decodeControlRecordKey({ key: null }), corrupt);
  assert.throws(() => decodeEndTxnMarker({ key: Buffer.from([0, 0, 0, 2]), value: Buffer.alloc(6) }), corrupt);
  assert.throws(() => decodeEndTxnMarker({ key: Buffer.from([0, 0, 0, 1]), value: Buffer.alloc(5) }), corrupt);
  // A newer marker version with more fields still yields its epoch.
  assert.deepEqual(
    decodeEndTxnMarker({ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 1, 0, 0, 0, 9, 7, 7]) }),
    {
      type: 1,
      coordinatorEpoch: 9,
    },
  );
});

test('many batches: boundaries, lazy iteration, and a trailing partial batch dropped', () => {
  const batches = [0, 3, 10].map((baseOffset, i) =>
    encodeRecordBatch({ baseOffset, records: sampleRecords(i + 2), compression: CODECS[i]! }),
  );
  const all = Buffer.concat(batches);
  const bounds = [...batchBoundaries(all)];
  assert.deepEqual(
    bounds.map((b) => [b.position, b.size, b.magic, b.baseOffset, b.lastOffset]),
    [
      [0, batches[0]!.length, 2, 0, 1],
      [batches[0]!.length, batches[1]!.length, 2, 3, 5],
      [batches[0]!.length + batches[1]!.length, batches[2]!.length, 2, 10, 13],
    ],
  );
  assert.equal([...iterateRecordBatches(all)].length, 3);
  for (let cut = 1; cut < batches[2]!.length; cut++) {
    const decoded = decodeRecordBatches(all.subarray(0, all.length - cut));
    assert.deepEqual(
      decoded.map((b) => b.baseOffset),
      [0, 3],
      `cut ${cut}`,
    );
  }
  assert.deepEqual(decodeRecordBatches(Buffer.alloc(0)), []);
  assert.throws(() => [...batchBoundaries(all.subarray(0, all.length - 1), false)], ProtocolError);
});

test('in place: offsets, leader epoch, LogAppendTime, with CRCs staying valid', () => {
  const batches = [
    encodeRecordBatch({ records: sampleRecords(3) }),
    encodeRecordBatch({ records: sampleRecords(5), compression: CompressionType.Lz4 }),
  ];
  const buf = Buffer.concat(batches);
  const crcs = [...batchBoundaries(buf)].map((b) => buf.readUInt32BE(b.position + BatchHeader.Crc));

  assert.equal(assignOffsets(buf, 100), 108);
  setPartitionLeaderEpoch(buf, 12);
  const afterOffsets = [...batchBoundaries(buf)];
  assert.deepEqual(
    afterOffsets.map((b) => buf.readUInt32BE(b.position + BatchHeader.Crc)),
    crcs,
    'not covered by the CRC',
  );
  const decoded = decodeRecordBatches(buf);
  assert.deepEqual(
    decoded.map((b) => [b.baseOffset, b.lastOffset, b.partitionLeaderEpoch]),
    [
      [100, 102, 12],
      [103, 107, 12],
    ],
  );
  assert.deepEqual(
    decoded[1]!.records.map((r) => r.offset),
    [103, 104, 105, 106, 107],
  );

  setLogAppendTime(buf, 1_234_567);
  for (const b of batchBoundaries(buf)) {
    const batch = buf.subarray(b.position, b.position + b.size);
    assert.ok(batchCrcIsValid(batch));
    const header = readBatchHeader(batch);
    assert.equal(header.maxTimestamp, 1_234_567);
    assert.equal(header.attributes & 0x08, 0x08);
  }
  for (const batch of decodeRecordBatches(buf)) {
    assert.equal(batch.timestampType, TimestampType.LogAppendTime);
    assert.ok(batch.records.every((r) => r.timestamp === 1_234_567));
  }
  assert.equal(crc32c(buf.subarray(BatchHeader.Attributes, batches[0]!.length)), buf.readUInt32BE(BatchHeader.Crc));
});
