import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readInt64AsNumber } from '@gregor/protocol';
import { ListOffsetsTimestamp } from '../src/index.js';
import { leader, openLog, segmentFiles, tempDir } from './support/fixtures.js';
import { makeBatch, recordsOf, testCodec } from './support/records.js';

/** [relativeOffset, position] pairs of an .index file. */
function offsetIndexEntries(file: string): [number, number][] {
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length % 8, 0, 'offset index entries are 8 bytes');
  return Array.from({ length: bytes.length / 8 }, (_, i) => [bytes.readInt32BE(i * 8), bytes.readInt32BE(i * 8 + 4)]);
}

/** [timestamp, relativeOffset] pairs of a .timeindex file. */
function timeIndexEntries(file: string): [number, number][] {
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.length % 12, 0, 'time index entries are 12 bytes');
  return Array.from({ length: bytes.length / 12 }, (_, i) => [
    readInt64AsNumber(bytes, i * 12),
    bytes.readInt32BE(i * 12 + 8),
  ]);
}

/** Byte positions of each batch in a .log file, with base and last offsets. */
function batchPositions(file: string): { position: number; base: number; last: number }[] {
  const bytes = fs.readFileSync(file);
  const out = [];
  for (let at = 0; at < bytes.length;) {
    out.push({
      position: at,
      base: readInt64AsNumber(bytes, at),
      last: readInt64AsNumber(bytes, at) + bytes.readInt32BE(at + 23),
    });
    at += bytes.readInt32BE(at + 8) + 12;
  }
  return out;
}

describe('offset and time indexes', () => {
  it('writes one sparse entry per index.interval.bytes, relative to the segment base', () => {
    const log = openLog(tempDir(), { indexIntervalBytes: 500, segmentBytes: 5_000 });
    for (let i = 0; i < 60; i++)
      log.append(makeBatch([{ value: 'v'.repeat(90) }, { value: 'w'.repeat(90) }], { timestamp: 1_000 + i }), leader);
    const logs = segmentFiles(log.dir, '.log');
    assert.ok(logs.length >= 3);
    const second = logs[1] as string;
    const base = Number(second.slice(0, 20));
    assert.ok(base > 0);
    const entries = offsetIndexEntries(path.join(log.dir, second.replace('.log', '.index')));
    const batches = batchPositions(path.join(log.dir, second));
    assert.ok(entries.length >= 3, `expected several entries, got ${entries.length}`);
    const batchSize = (batches[1]?.position ?? 0) - (batches[0]?.position ?? 0);
    // Kafka's rule: an entry once more than 500 bytes were written since the last one.
    const expectedGap = Math.floor(500 / batchSize) + 1;
    for (const [i, [relative, position]] of entries.entries()) {
      const batch = batches.find((b) => b.position === position);
      assert.ok(batch, `entry ${i} points at a batch boundary`);
      assert.equal(relative, batch.last - base, 'entries map the batch last offset, relative to the base');
      assert.equal(position, batchSize * expectedGap * (i + 1));
    }
    const times = timeIndexEntries(path.join(log.dir, second.replace('.log', '.timeindex')));
    // One entry per offset index entry (timestamps grow here), plus the final max-timestamp
    // entry written at roll unless the last batch was itself indexed.
    const lastIndexed = batches.at(-1)?.position === entries.at(-1)?.[1];
    assert.equal(times.length, entries.length + (lastIndexed ? 0 : 1));
    for (let i = 1; i < times.length; i++) assert.ok((times[i]?.[0] ?? 0) > (times[i - 1]?.[0] ?? 0));
    const lastBatch = batches.at(-1);
    assert.deepEqual(times.at(-1), [1_000 + (lastBatch?.base ?? 0) / 2, (lastBatch?.last ?? 0) - base]);
    // Lookups at every offset land on the right batch.
    for (let offset = 0; offset < log.logEndOffset; offset += 7)
      assert.equal(recordsOf(log.read(offset, 1).records)[0]?.offset, offset - (offset % 2));
    log.close();
  });

  it('finds offsets by timestamp: first batch whose max timestamp is at or after the target', () => {
    const log = openLog(tempDir(), { indexIntervalBytes: 100, segmentBytes: 3_000 });
    // Timestamps 100, 110, ... with one out-of-order batch.
    for (let i = 0; i < 100; i++) {
      const timestamp = i === 50 ? 5 : 100 + i * 10;
      log.append(makeBatch([{ value: `v${i}`, timestamp }]), leader);
    }
    assert.ok(log.segmentCount > 2);
    assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 100 });
    assert.deepEqual(log.offsetForTimestamp(100), { offset: 0, timestamp: 100 });
    assert.deepEqual(log.offsetForTimestamp(101), { offset: 1, timestamp: 110 });
    assert.deepEqual(log.offsetForTimestamp(595), { offset: 51, timestamp: 610 });
    assert.deepEqual(log.offsetForTimestamp(1_090), { offset: 99, timestamp: 1_090 });
    assert.equal(log.offsetForTimestamp(1_091), undefined);
    assert.deepEqual(log.listOffset(ListOffsetsTimestamp.Earliest), { offset: 0, timestamp: -1 });
    assert.deepEqual(log.listOffset(ListOffsetsTimestamp.Latest), { offset: 100, timestamp: -1 });
    assert.deepEqual(log.listOffset(ListOffsetsTimestamp.MaxTimestamp), { offset: 99, timestamp: 1_090 });
    // Honours the log start offset.
    log.updateHighWatermark(100);
    log.deleteRecordsBefore(30);
    assert.deepEqual(log.offsetForTimestamp(0), { offset: 30, timestamp: 400 });
    log.close();
  });

  it('with a codec, resolves timestamps to the exact record inside a batch', () => {
    const log = openLog(tempDir(), {}, { codec: testCodec });
    log.append(makeBatch([{ timestamp: 10 }, { timestamp: 30 }, { timestamp: 20 }]), leader);
    log.append(makeBatch([{ timestamp: 40 }, { timestamp: 50 }]), leader);
    assert.deepEqual(log.offsetForTimestamp(15), { offset: 1, timestamp: 30 });
    assert.deepEqual(log.offsetForTimestamp(45), { offset: 4, timestamp: 50 });
    assert.deepEqual(log.listOffset(ListOffsetsTimestamp.MaxTimestamp), { offset: 4, timestamp: 50 });
    log.close();
  });

  it('rebuilds deleted or damaged index files on open', () => {
    const dir = tempDir();
    let log = openLog(dir, { indexIntervalBytes: 200, segmentBytes: 4_000 });
    for (let i = 0; i < 80; i++) log.append(makeBatch([{ value: 'x'.repeat(80), timestamp: 1_000 + i }]), leader);
    const logDir = log.dir;
    log.close();
    const indexes = segmentFiles(logDir, '.index');
    const timeIndexes = segmentFiles(logDir, '.timeindex');
    const before = new Map([...indexes, ...timeIndexes].map((f) => [f, fs.readFileSync(path.join(logDir, f))]));
    fs.rmSync(path.join(logDir, indexes[0] as string));
    fs.rmSync(path.join(logDir, timeIndexes[1] as string));
    fs.truncateSync(path.join(logDir, indexes[2] as string), 5); // torn entry
    // An index pointing past the end of its log.
    const bogus = Buffer.alloc(8);
    bogus.writeInt32BE(1, 0);
    bogus.writeInt32BE(1_000_000, 4);
    fs.appendFileSync(path.join(logDir, indexes[1] as string), bogus);

    log = openLog(dir, { indexIntervalBytes: 200, segmentBytes: 4_000 }, { cleanShutdown: true });
    for (const [file, content] of before) assert.deepEqual(fs.readFileSync(path.join(logDir, file)), content, file);
    for (let offset = 0; offset < 80; offset++) assert.equal(recordsOf(log.read(offset, 1).records)[0]?.offset, offset);
    log.close();
  });
});
