import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BatchAttributes,
  BatchHeader,
  readBatchHeader,
  readInt64AsNumber,
  writeInt64FromNumber,
} from '@gregor/protocol';
import {
  CorruptRecordError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  StorageError,
  StorageErrorCode,
} from '../src/index.js';
import { flipByte, leader, openLog, segmentFiles, tempDir } from './support/fixtures.js';
import { decodeAll, makeBatch, recordsOf, sizedBatch } from './support/records.js';

/** Appends `count` batches of `perBatch` records with distinct values; returns the append results. */
function fill(log: ReturnType<typeof openLog>, count: number, perBatch = 1, valueSize = 100) {
  const results = [];
  for (let b = 0; b < count; b++) {
    const records = Array.from({ length: perBatch }, (_, i) => ({
      key: `k${b}-${i}`,
      value: `${b}-${i}:`.padEnd(valueSize, 'x'),
      timestamp: 10_000 + b,
    }));
    results.push(log.append(makeBatch(records), leader));
  }
  return results;
}

describe('append and read', () => {
  it('assigns consecutive offsets and reads every record back across many segments', () => {
    const dir = tempDir();
    const log = openLog(dir, { segmentBytes: 2_000, indexIntervalBytes: 300 });
    const results = fill(log, 200, 3);
    assert.equal(results[0]?.baseOffset, 0);
    assert.equal(results[0]?.lastOffset, 2);
    assert.equal(results[199]?.baseOffset, 597);
    assert.equal(log.logEndOffset, 600);
    assert.ok(log.segmentCount > 20, `expected many segments, got ${log.segmentCount}`);
    assert.equal(segmentFiles(log.dir, '.log').length, log.segmentCount);
    assert.equal(segmentFiles(log.dir, '.log')[0], '00000000000000000000.log');

    // Fetch the whole log in small pieces, as a consumer would.
    const seen: number[] = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const result = log.read(offset, 1_000);
      assert.ok(result.records.length > 0);
      for (const r of recordsOf(result.records)) {
        if (r.offset >= offset) seen.push(r.offset);
      }
      offset = result.nextOffset;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 600 }, (_, i) => i),
    );
    const one = recordsOf(log.read(301, 1).records);
    assert.equal(one[0]?.offset, 300);
    assert.equal(one[1]?.value?.slice(0, 6), '100-1:');
    log.close();
  });

  it('returns the whole containing batch when fetching from the middle of a batch', () => {
    const log = openLog(tempDir());
    fill(log, 3, 5);
    const batches = decodeAll(log.read(7, 10_000).records);
    assert.equal(batches[0]?.baseOffset, 5);
    assert.deepEqual(
      batches.map((b) => b.baseOffset),
      [5, 10],
    );
    log.close();
  });

  it('honours maxBytes with whole batches and returns an oversized first batch (KIP-74)', () => {
    const log = openLog(tempDir());
    const small = log.append(sizedBatch(100), leader);
    log.append(sizedBatch(5_000), leader);
    log.append(sizedBatch(100), leader);
    const size = makeBatch([{ value: Buffer.alloc(100, 0x61) }]).length;
    // Exactly one small batch fits.
    const first = log.read(small.baseOffset, size + 10);
    assert.equal(first.records.length, size);
    assert.equal(first.nextOffset, 1);
    // The 5 KB batch is bigger than maxBytes but comes first: returned whole.
    const big = log.read(1, 1_000);
    assert.equal(decodeAll(big.records).length, 1);
    assert.ok(big.records.length > 5_000);
    assert.equal(big.nextOffset, 2);
    // ...unless the caller does not want that (later partitions of a fetch).
    assert.equal(log.read(1, 1_000, { minOneBatch: false }).records.length, 0);
    log.close();
  });

  it('stops at maxOffset (the high watermark for consumers) and at the log end', () => {
    const log = openLog(tempDir());
    fill(log, 5, 2);
    const result = log.read(0, 100_000, { maxOffset: 6 });
    assert.deepEqual(
      decodeAll(result.records).map((b) => b.baseOffset),
      [0, 2, 4],
    );
    assert.equal(result.nextOffset, 6);
    assert.equal(log.read(6, 100_000, { maxOffset: 6 }).records.length, 0);
    assert.equal(log.read(10, 100_000).records.length, 0);
    log.close();
  });

  it('throws OFFSET_OUT_OF_RANGE below the log start and beyond the log end', () => {
    const log = openLog(tempDir());
    fill(log, 2);
    assert.throws(
      () => log.read(3, 100),
      (err: unknown) => {
        assert.ok(err instanceof OffsetOutOfRangeError);
        assert.equal(err.kafkaErrorCode, 1);
        assert.equal(err.logEndOffset, 2);
        return true;
      },
    );
    log.updateHighWatermark(2);
    log.deleteRecordsBefore(1);
    assert.throws(() => log.read(0, 100), OffsetOutOfRangeError);
    log.close();
  });

  it('patches base offset and leader epoch in place without re-encoding', () => {
    const log = openLog(tempDir());
    fill(log, 1, 2);
    const batch = makeBatch([{ value: 'a' }, { value: 'b' }]);
    const before = Buffer.from(batch);
    const result = log.append(batch, { leaderEpoch: 7, assignOffsets: true });
    assert.equal(result.baseOffset, 2);
    assert.equal(result.logAppendTime, -1);
    const stored = log.read(2, 1_000).records;
    assert.equal(readInt64AsNumber(stored, 0), 2);
    assert.equal(stored.readInt32BE(BatchHeader.PartitionLeaderEpoch), 7);
    // Everything from the magic byte on is byte-identical (CRC included).
    assert.deepEqual(stored.subarray(BatchHeader.Magic), before.subarray(BatchHeader.Magic));
    assert.equal(log.leaderEpoch, 7);
    log.close();
  });

  it('stamps LogAppendTime: attribute, maxTimestamp and a valid CRC', () => {
    const log = openLog(tempDir(), { messageTimestampType: 'LogAppendTime' });
    const result = log.append(makeBatch([{ value: 'a', timestamp: 5 }]), { ...leader, logAppendTime: 123_456 });
    assert.equal(result.logAppendTime, 123_456);
    const stored = log.read(0, 1_000).records;
    const header = readBatchHeader(stored);
    assert.equal(header.maxTimestamp, 123_456);
    assert.ok(header.attributes & BatchAttributes.TimestampTypeLogAppend);
    // A second append of the same stored bytes passes CRC validation.
    assert.doesNotThrow(() => log.append(Buffer.from(stored), leader));
    log.close();
  });

  it('rejects corrupt batches with typed errors and writes nothing', () => {
    const log = openLog(tempDir(), { maxMessageBytes: 2_000, segmentBytes: 10_000 });
    const good = makeBatch([{ value: 'ok' }]);
    const crc = Buffer.concat([good, makeBatch([{ value: 'bad' }])]);
    flipByte(crc, crc.length - 1);
    const magic = Buffer.from(good);
    magic.writeInt8(1, BatchHeader.Magic);
    const truncated = good.subarray(0, good.length - 3);
    for (const bad of [crc, magic, truncated, Buffer.alloc(0)]) {
      assert.throws(
        () => log.append(bad, leader),
        (err: unknown) => {
          assert.ok(err instanceof CorruptRecordError);
          assert.ok(err.kafkaErrorCode === 2 || err.kafkaErrorCode === 87);
          return true;
        },
      );
    }
    assert.throws(
      () => log.append(sizedBatch(3_000), leader),
      (err: unknown) => {
        assert.ok(err instanceof RecordTooLargeError);
        assert.equal(err.code, StorageErrorCode.RecordTooLarge);
        assert.equal(err.kafkaErrorCode, 10);
        return true;
      },
    );
    const many = Buffer.concat(Array.from({ length: 8 }, () => sizedBatch(1_500)));
    assert.throws(
      () => log.append(many, leader),
      (err: unknown) => {
        assert.ok(err instanceof RecordTooLargeError);
        assert.equal(err.kafkaErrorCode, 18);
        return true;
      },
    );
    // A client batch whose record count disagrees with its offset range.
    const inconsistent = Buffer.from(good);
    inconsistent.writeInt32BE(3, BatchHeader.LastOffsetDelta);
    assert.throws(() => log.append(inconsistent, leader), CorruptRecordError);
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.size, 0);
    log.close();
  });

  it('appends several batches of one request together', () => {
    const log = openLog(tempDir());
    const result = log.append(
      Buffer.concat([makeBatch([{ value: 'a' }, { value: 'b' }]), makeBatch([{ value: 'c' }])]),
      leader,
    );
    assert.equal(result.baseOffset, 0);
    assert.equal(result.lastOffset, 2);
    assert.equal(result.batchCount, 2);
    assert.deepEqual(
      recordsOf(log.read(0, 10_000).records).map((r) => r.value),
      ['a', 'b', 'c'],
    );
    log.close();
  });

  it('accepts replicated batches with their own offsets and rejects going backwards', () => {
    const log = openLog(tempDir());
    const replica = makeBatch([{ value: 'a' }, { value: 'b' }]);
    writeInt64FromNumber(replica, BatchHeader.BaseOffset, 10);
    replica.writeInt32BE(3, BatchHeader.PartitionLeaderEpoch);
    const result = log.append(replica, { leaderEpoch: 3, assignOffsets: false });
    assert.equal(result.baseOffset, 10);
    assert.equal(log.logEndOffset, 12);
    assert.deepEqual(log.leaderEpochEntries, [{ epoch: 3, startOffset: 10 }]);
    assert.throws(
      () => log.append(makeBatch([{ value: 'x' }]), { leaderEpoch: 3, assignOffsets: false }),
      (err: unknown) => err instanceof StorageError && err.code === StorageErrorCode.UnexpectedAppendOffset,
    );
    log.close();
  });

  it('refuses use after close', () => {
    const log = openLog(tempDir());
    log.close();
    assert.throws(() => log.append(makeBatch([{ value: 'a' }]), leader), StorageError);
  });
});
