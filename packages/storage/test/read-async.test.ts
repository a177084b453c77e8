/**
 * readAsync: the fetch path for older segments, read on the thread pool. It must answer exactly
 * as read() does, and stay correct when the log changes while the read is under way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OffsetOutOfRangeError, StorageError } from '../src/index.js';
import { leader, openLog, tempDir } from './support/fixtures.js';
import { makeBatch, recordsOf, sizedBatch } from './support/records.js';

function filled(count: number, segmentBytes = 2_000) {
  const log = openLog(tempDir(), { segmentBytes, retentionBytes: -1 });
  for (let i = 0; i < count; i++) log.append(makeBatch([{ value: `value-${i}`.padEnd(200, '.') }]), leader);
  log.updateHighWatermark(log.logEndOffset);
  return log;
}

describe('readAsync', () => {
  test('returns what read() returns, from every offset, across segments and limits', async () => {
    const log = filled(60);
    assert.ok(log.segmentCount >= 5);
    for (let offset = 0; offset <= log.logEndOffset; offset += 7)
      for (const [maxBytes, options] of [
        [10_000, {}],
        [1, {}],
        [1, { minOneBatch: false }],
        [900, { maxOffset: 31 }],
      ] as const) {
        const expected = log.read(offset, maxBytes, options);
        const actual = await log.readAsync(offset, maxBytes, options);
        assert.deepEqual(actual, expected, `offset ${offset}, maxBytes ${maxBytes}, ${JSON.stringify(options)}`);
      }
    log.close();
  });

  test('reads a large range of older segments whole, into the active one', async () => {
    const log = filled(60);
    const all = await log.readAsync(0, 10_000_000);
    assert.equal(all.nextOffset, 60);
    assert.deepEqual(
      recordsOf(all.records).map((r) => r.value?.split('.')[0]),
      Array.from({ length: 60 }, (_, i) => `value-${i}`),
    );
    log.close();
  });

  test('out-of-range offsets fail as with read()', async () => {
    const log = filled(10);
    await assert.rejects(log.readAsync(11, 100), OffsetOutOfRangeError);
    log.close();
  });

  test('a read overtaken by retention answers from the log as it now is', async () => {
    const log = filled(60);
    const reading = log.readAsync(0, 10_000_000);
    log.deleteRecordsBefore(40); // deletes the segments the read was reading
    await assert.rejects(reading, OffsetOutOfRangeError);
    const later = await log.readAsync(40, 10_000_000);
    assert.equal(recordsOf(later.records)[0]?.offset, 40);
    log.close();
  });

  test('a read overtaken by truncation does not return the truncated records', async () => {
    const log = filled(60);
    const reading = log.readAsync(0, 10_000_000);
    log.truncateTo(20);
    const result = await reading;
    assert.equal(result.nextOffset, 20);
    assert.equal(recordsOf(result.records).length, 20);
    log.close();
  });

  test('a read overtaken by close fails with LOG_CLOSED, not EBADF', async () => {
    const log = filled(60);
    const reading = log.readAsync(0, 10_000_000);
    log.close();
    await assert.rejects(reading, (err: unknown) => err instanceof StorageError && err.code === 'LOG_CLOSED');
  });

  test('an oversized first batch is returned whole (KIP-74) from an older segment', async () => {
    const log = openLog(tempDir(), { segmentBytes: 20_000 });
    log.append(sizedBatch(15_000), leader);
    log.append(sizedBatch(15_000), leader);
    log.updateHighWatermark(2);
    assert.equal(log.segmentCount, 2);
    const result = await log.readAsync(0, 100);
    assert.equal(result.nextOffset, 1);
    assert.deepEqual(result, log.read(0, 100));
    log.close();
  });
});
