import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BatchAttributes } from '@gregor/protocol';
import { StorageError, type PartitionLog } from '../src/index.js';
import { leader, manualClock, openLog, segmentFiles, tempDir } from './support/fixtures.js';
import { decodeAll, makeBatch, recordsOf, testCodec } from './support/records.js';

const compactConfig = {
  cleanupPolicy: { delete: false, compact: true },
  segmentBytes: 1_000,
  deleteRetentionMs: 60_000,
};

function allRecords(log: PartitionLog) {
  return recordsOf(log.read(log.logStartOffset, 10_000_000).records);
}

describe('log compaction', () => {
  it('keeps the latest record per key in non-active segments, offsets unchanged', async () => {
    const dir = tempDir();
    let log = openLog(dir, compactConfig, { codec: testCodec });
    for (let round = 0; round < 20; round++)
      log.append(makeBatch([0, 1, 2, 3].map((k) => ({ key: `k${k}`, value: `r${round}` }))), leader);
    log.append(makeBatch([{ key: null, value: 'no key' }]), leader);
    log.append(makeBatch([{ key: 'k0', value: 'latest' }]), leader);
    log.updateHighWatermark(log.logEndOffset);
    const before = allRecords(log);
    const leo = log.logEndOffset;
    const activeBase = log.segmentInfo().at(-1)?.baseOffset ?? 0;
    const segmentsBefore = log.segmentCount;
    assert.ok(segmentsBefore >= 3);

    const stats = await log.compact();
    assert.equal(stats.segmentsCleaned, segmentsBefore - 1, 'every non-active segment');
    assert.ok(stats.bytesAfter < stats.bytesBefore);
    assert.equal(log.logEndOffset, leo);
    const after = allRecords(log);
    // Every survivor is an original record at its original offset.
    const byOffset = new Map(before.map((r) => [r.offset, r]));
    for (const r of after) assert.deepEqual(r, byOffset.get(r.offset));
    // Below the active segment: one record per key, the latest there.
    const cleaned = after.filter((r) => r.offset < activeBase);
    const keys = cleaned.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, 'one record per key');
    assert.ok(!keys.includes(null), 'null keys dropped');
    for (const r of cleaned) {
      const newest = before.filter((b) => b.key === r.key && b.offset < activeBase).at(-1);
      assert.equal(r.offset, newest?.offset);
    }
    // The active segment is untouched.
    assert.deepEqual(
      after.filter((r) => r.offset >= activeBase),
      before.filter((r) => r.offset >= activeBase),
    );
    // Fetching from a removed offset lands on the next surviving batch; a group's emptied last
    // batch may come first (it holds the group's end offset) and consumers step over it.
    let fetchOffset = 0;
    let firstFetched: number | undefined;
    while (firstFetched === undefined) {
      const result = log.read(fetchOffset, 100);
      firstFetched = recordsOf(result.records)[0]?.offset;
      fetchOffset = result.nextOffset;
    }
    assert.equal(firstFetched, cleaned[0]?.offset);
    // No leftovers, and the result survives a reopen.
    assert.deepEqual(
      fs.readdirSync(log.dir).filter((f) => f.endsWith('.cleaned') || f.endsWith('.swap')),
      [],
    );
    log.close();
    log = openLog(dir, compactConfig, { codec: testCodec });
    assert.deepEqual(allRecords(log), after);
    assert.equal(log.logEndOffset, leo);
    log.close();
  });

  it('keeps tombstones for delete.retention.ms after their first cleaning, then drops them', async () => {
    const time = manualClock(1_000_000);
    const log = openLog(tempDir(), compactConfig, { codec: testCodec, clock: time.clock });
    log.append(
      makeBatch([
        { key: 'a', value: 'a1' },
        { key: 'b', value: 'b1' },
      ]),
      leader,
    );
    log.append(makeBatch([{ key: 'a', value: null }]), leader); // tombstone for a
    log.append(makeBatch([{ key: 'c', value: 'x'.repeat(900) }]), leader); // rolls the segment
    log.append(makeBatch([{ key: 'd', value: 'x'.repeat(900) }]), leader);
    log.updateHighWatermark(log.logEndOffset);

    await log.compact(time.now);
    let records = allRecords(log);
    assert.deepEqual(
      records.map((r) => [r.offset, r.key, r.value?.slice(0, 2) ?? null]),
      [
        [1, 'b', 'b1'],
        [2, 'a', null],
        [3, 'c', 'xx'],
        [4, 'd', 'xx'],
      ],
    );
    const tombstoneBatch = decodeAll(log.read(2, 1).records)[0];
    assert.ok(tombstoneBatch && tombstoneBatch.attributes & BatchAttributes.DeleteHorizonSet);
    assert.equal(tombstoneBatch.baseTimestamp, time.now + 60_000, 'delete horizon');
    assert.equal(tombstoneBatch.records[0]?.timestamp, 1_000, 'record timestamps preserved');

    time.now += 59_999;
    await log.compact(time.now);
    assert.ok(
      allRecords(log).some((r) => r.key === 'a'),
      'still within delete.retention.ms',
    );

    time.now += 1;
    const stats = await log.compact(time.now);
    assert.equal(stats.tombstonesRemoved, 1);
    records = allRecords(log);
    assert.deepEqual(
      records.map((r) => r.offset),
      [1, 3, 4],
    );
    assert.equal(log.logEndOffset, 5);
    log.close();
  });

  it('serves appends and reads while compaction runs', async () => {
    const log = openLog(tempDir(), { ...compactConfig, segmentBytes: 50_000 }, { codec: testCodec });
    for (let i = 0; i < 3_000; i++) log.append(makeBatch([{ key: `k${i % 50}`, value: `v${i}` }]), leader);
    log.updateHighWatermark(log.logEndOffset);
    let concurrentAppends = 0;
    let concurrentReads = 0;
    let done = false;
    const running = log.compact().finally(() => {
      done = true;
    });
    // Interleave work with the cleaner's slices.
    while (!done) {
      const result = log.append(makeBatch([{ key: 'live', value: `n${concurrentAppends}` }]), leader);
      assert.equal(result.baseOffset, 3_000 + concurrentAppends);
      concurrentAppends++;
      const read = log.read(result.baseOffset, 1_000);
      assert.equal(recordsOf(read.records)[0]?.value, `n${concurrentAppends - 1}`);
      assert.ok(recordsOf(log.read(log.logStartOffset, 1_000).records).length > 0);
      concurrentReads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = await running;
    assert.ok(concurrentAppends > 1, `the cleaner yielded (${concurrentAppends} appends ran during it)`);
    assert.ok(concurrentReads > 1);
    assert.ok(stats.recordsRemoved > 2_000);
    const records = allRecords(log);
    const live = records.filter((r) => r.key === 'live').map((r) => r.value);
    assert.deepEqual(
      live,
      Array.from({ length: concurrentAppends }, (_, i) => `n${i}`),
    );
    // Offsets still strictly increase across the whole log.
    for (let i = 1; i < records.length; i++) assert.ok((records[i]?.offset ?? 0) > (records[i - 1]?.offset ?? 0));
    log.close();
  });

  it('abandons its work when retention deletes segments underneath it', async () => {
    const log = openLog(
      tempDir(),
      { ...compactConfig, cleanupPolicy: { delete: true, compact: true }, retentionBytes: 0, segmentBytes: 50_000 },
      { codec: testCodec },
    );
    for (let i = 0; i < 3_000; i++) log.append(makeBatch([{ key: `k${i % 50}`, value: `v${i}` }]), leader);
    log.updateHighWatermark(log.logEndOffset);
    const running = log.compact();
    log.applyRetention();
    const stats = await running;
    assert.equal(stats.aborted, true);
    assert.equal(log.segmentCount, 1);
    assert.deepEqual(
      fs.readdirSync(log.dir).filter((f) => f.includes('.cleaned')),
      [],
    );
    log.close();
  });

  it('requires a codec and does nothing for delete-only logs', async () => {
    const noCodec = openLog(tempDir(), compactConfig);
    await assert.rejects(noCodec.compact(), StorageError);
    noCodec.close();
    const deleteOnly = openLog(tempDir(), {}, { codec: testCodec });
    assert.equal((await deleteOnly.compact()).segmentsCleaned, 0);
    deleteOnly.close();
  });

  it('finishes a swap interrupted by a crash, and discards unfinished .cleaned files', () => {
    const dir = tempDir();
    let log = openLog(dir, { segmentBytes: 400 });
    for (let i = 0; i < 9; i++) log.append(makeBatch([{ key: `k${i}`, value: 'x'.repeat(100) }]), leader);
    const logDir = log.dir;
    const before = allRecords(log);
    const segments = log.segmentInfo();
    assert.ok(segments.length >= 3);
    log.close();
    // A cleaner "output" covering the first two segments, renamed to .swap, then a crash.
    const files = segmentFiles(logDir, '.log');
    const merged = Buffer.concat([
      fs.readFileSync(path.join(logDir, files[0] as string)),
      fs.readFileSync(path.join(logDir, files[1] as string)),
    ]);
    fs.writeFileSync(path.join(logDir, `${files[0]}.swap`), merged);
    fs.writeFileSync(path.join(logDir, `${files[1]?.replace('.log', '.index')}.cleaned`), 'junk');
    log = openLog(dir, { segmentBytes: 400 });
    assert.deepEqual(allRecords(log), before);
    assert.equal(log.segmentCount, segments.length - 1);
    assert.deepEqual(
      fs.readdirSync(logDir).filter((f) => f.endsWith('.swap') || f.endsWith('.cleaned')),
      [],
    );
    log.close();
  });
});
