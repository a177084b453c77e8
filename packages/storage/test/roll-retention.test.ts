import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OffsetOutOfRangeError } from '../src/index.js';
import { leader, manualClock, openLog, segmentFiles, tempDir } from './support/fixtures.js';
import { makeBatch, recordsOf, sizedBatch } from './support/records.js';

const HOUR = 3_600_000;

describe('segment rolling', () => {
  it('rolls when the next append would exceed segment.bytes, naming segments by base offset', () => {
    const log = openLog(tempDir(), { segmentBytes: 1_000 });
    const batchSize = sizedBatch(200).length;
    for (let i = 0; i < 10; i++) log.append(sizedBatch(200), leader);
    const perSegment = Math.floor(1_000 / batchSize);
    assert.equal(log.segmentCount, Math.ceil(10 / perSegment));
    for (const { size } of log.segmentInfo()) assert.ok(size <= 1_000);
    assert.deepEqual(
      log.segmentInfo().map((s) => s.baseOffset),
      Array.from({ length: log.segmentCount }, (_, i) => i * perSegment),
    );
    assert.deepEqual(segmentFiles(log.dir, '.log')[1], `${String(perSegment).padStart(20, '0')}.log`);
    log.close();
  });

  it('rolls by age (segment.ms), measured from the first batch timestamp', () => {
    const time = manualClock(10 * HOUR);
    const log = openLog(tempDir(), { segmentMs: HOUR }, { clock: time.clock });
    log.append(sizedBatch(10, time.now), leader);
    time.now += HOUR / 2;
    log.append(sizedBatch(10, time.now), leader);
    assert.equal(log.segmentCount, 1);
    time.now += HOUR;
    log.append(sizedBatch(10, time.now), leader);
    assert.equal(log.segmentCount, 2);
    assert.equal(log.segmentInfo()[1]?.baseOffset, 2);
    log.close();
  });

  it('rolls by age using the clock when batches carry no timestamps', () => {
    const time = manualClock(10 * HOUR);
    const log = openLog(tempDir(), { segmentMs: HOUR }, { clock: time.clock });
    log.append(sizedBatch(10, -1), leader);
    time.now += 2 * HOUR;
    log.append(sizedBatch(10, -1), leader);
    assert.equal(log.segmentCount, 2);
    log.close();
  });

  it('rolls when the offset index is full (segment.index.bytes)', () => {
    const log = openLog(tempDir(), { segmentIndexBytes: 24, indexIntervalBytes: 0 });
    for (let i = 0; i < 10; i++) log.append(sizedBatch(10), leader);
    // 24 bytes = 2 time-index entries (12 bytes each): full after 3 batches (first is unindexed).
    assert.ok(log.segmentCount >= 3, `got ${log.segmentCount} segments`);
    for (const name of segmentFiles(log.dir, '.index')) assert.ok(fs.statSync(path.join(log.dir, name)).size <= 24);
    assert.equal(recordsOf(log.read(0, 100_000).records).length, 10);
    log.close();
  });
});

describe('retention', () => {
  it('deletes whole segments older than retention.ms, never the active one', () => {
    const time = manualClock(100 * HOUR);
    const log = openLog(tempDir(), { retentionMs: 10 * HOUR, segmentBytes: 500 }, { clock: time.clock });
    for (let i = 0; i < 12; i++) {
      log.append(sizedBatch(150, time.now), leader);
      time.now += HOUR;
    }
    log.updateHighWatermark(log.logEndOffset);
    const before = log.segmentInfo();
    assert.ok(before.length >= 4);
    // now = 112h: batches stamped 100h..101h are older than 10h.
    const result = log.applyRetention(time.now);
    assert.ok(result.deletedSegments >= 1);
    assert.ok(result.reasons.every((r) => r === 'retention.ms'));
    assert.equal(log.logStartOffset, log.segmentInfo()[0]?.baseOffset);
    assert.throws(() => log.read(0, 100), OffsetOutOfRangeError);
    for (const r of recordsOf(log.read(log.logStartOffset, 100_000).records))
      assert.ok(r.timestamp >= time.now - 11 * HOUR);
    // Far in the future everything but the active segment goes.
    const later = log.applyRetention(time.now + 1_000 * HOUR);
    assert.equal(log.segmentCount, 1);
    assert.ok(later.deletedSegments > 0);
    assert.equal(segmentFiles(log.dir, '.log').length, 1);
    assert.equal(segmentFiles(log.dir, '.index').length, 1);
    assert.equal(log.logEndOffset, 12);
    log.close();
  });

  it('deletes the oldest segments while the log exceeds retention.bytes', () => {
    const log = openLog(tempDir(), { retentionBytes: 1_500, retentionMs: -1, segmentBytes: 500 });
    for (let i = 0; i < 20; i++) log.append(sizedBatch(150), leader);
    log.updateHighWatermark(log.logEndOffset);
    const total = log.size;
    const result = log.applyRetention();
    assert.ok(result.deletedSegments > 0);
    assert.ok(result.reasons.every((r) => r === 'retention.bytes'));
    assert.ok(log.size >= 1_500, 'never below retention.bytes');
    assert.ok(log.size - (log.segmentInfo()[0]?.size ?? 0) < 1_500, 'deleting one more would go below');
    assert.equal(total - result.deletedBytes, log.size);
    log.close();
  });

  it('keeps segments at or above the high watermark and ignores compact-only logs', () => {
    const log = openLog(tempDir(), { retentionBytes: 0, segmentBytes: 500 });
    for (let i = 0; i < 10; i++) log.append(sizedBatch(150), leader);
    assert.equal(log.applyRetention().deletedSegments, 0, 'high watermark still 0');
    log.updateHighWatermark(log.logEndOffset);
    log.updateConfig({ ...log.config, cleanupPolicy: { delete: false, compact: true } });
    assert.equal(log.applyRetention().deletedSegments, 0);
    log.close();
  });
});

describe('DeleteRecords and the log start offset', () => {
  it('advances the log start, deletes covered segments, and survives reopen', () => {
    const dir = tempDir();
    let log = openLog(dir, { segmentBytes: 500 });
    for (let i = 0; i < 10; i++) log.append(sizedBatch(150), leader);
    assert.throws(() => log.deleteRecordsBefore(5), OffsetOutOfRangeError, 'beyond the high watermark');
    log.updateHighWatermark(log.logEndOffset);
    const segmentsBefore = log.segmentCount;
    assert.equal(log.deleteRecordsBefore(5), 5);
    assert.ok(log.segmentCount < segmentsBefore);
    assert.equal(log.deleteRecordsBefore(3), 5, 'never moves back');
    assert.throws(() => log.read(4, 100), OffsetOutOfRangeError);
    assert.equal(recordsOf(log.read(5, 100_000).records)[0]?.offset, 5);
    // Reopen without a clean close: the start offset was persisted when it moved.
    const logDir = log.dir;
    log = openLog(dir, { segmentBytes: 500 });
    assert.equal(log.logStartOffset, 5);
    assert.equal(log.logEndOffset, 10);
    assert.throws(() => log.read(4, 100), OffsetOutOfRangeError);
    assert.ok(fs.existsSync(path.join(logDir, 'partition-offsets-checkpoint')));
    log.close();
  });

  it('persists the high watermark on flush and clamps it to the log on reopen', () => {
    const dir = tempDir();
    let log = openLog(dir);
    for (let i = 0; i < 5; i++) log.append(makeBatch([{ value: `v${i}` }]), leader);
    assert.equal(log.highWatermark, 0);
    assert.equal(log.updateHighWatermark(99), 5, 'clamped to the log end');
    log.updateHighWatermark(3);
    log.close();
    log = openLog(dir);
    assert.equal(log.highWatermark, 3);
    log.close();
  });
});

describe('truncateTo', () => {
  it('removes whole batches at and after the offset across segments', () => {
    const dir = tempDir();
    let log = openLog(dir, { segmentBytes: 600 });
    for (let i = 0; i < 10; i++)
      log.append(makeBatch([{ value: 'a'.repeat(100) }, { value: 'b'.repeat(100) }]), {
        leaderEpoch: i < 5 ? 1 : 2,
        assignOffsets: true,
      });
    log.updateHighWatermark(20);
    assert.equal(log.logEndOffset, 20);
    assert.deepEqual(log.leaderEpochEntries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
    ]);
    assert.equal(log.truncateTo(25), false);
    assert.equal(log.truncateTo(9), true); // mid-batch [8, 9]: the batch goes
    assert.equal(log.logEndOffset, 8);
    assert.equal(log.highWatermark, 8);
    assert.deepEqual(log.leaderEpochEntries, [{ epoch: 1, startOffset: 0 }]);
    assert.equal(recordsOf(log.read(0, 100_000).records).length, 8);
    // Appends continue from the new end; and it all survives reopen (recovery).
    assert.equal(log.append(makeBatch([{ value: 'new' }]), { leaderEpoch: 3, assignOffsets: true }).baseOffset, 8);
    log = openLog(dir, { segmentBytes: 600 });
    assert.equal(log.logEndOffset, 9);
    assert.deepEqual(
      recordsOf(log.read(0, 100_000).records).map((r) => r.offset),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.equal(recordsOf(log.read(8, 100).records)[0]?.value, 'new');
    assert.equal(log.leaderEpoch, 3);
    log.close();
  });

  it('truncates fully and restarts at an offset', () => {
    const log = openLog(tempDir());
    for (let i = 0; i < 3; i++) log.append(makeBatch([{ value: 'x' }]), leader);
    log.truncateFullyAndStartAt(100);
    assert.equal(log.logStartOffset, 100);
    assert.equal(log.logEndOffset, 100);
    assert.equal(log.append(makeBatch([{ value: 'y' }]), leader).baseOffset, 100);
    assert.deepEqual(segmentFiles(log.dir, '.log'), ['00000000000000000100.log']);
    log.close();
  });
});
