/**
 * Bounded file descriptors: the logs of a data directory keep at most `maxOpenFiles` segment
 * files open, whatever the number of partitions and segments, and reading, appending, rolling,
 * compaction scans and restarts behave as with every file open. Descriptors are counted in
 * /proc/self/fd as well as by the pool.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { FilePool, LogManager, logConfig } from '../src/index.js';
import { leader, tempDir } from './support/fixtures.js';
import { sizedBatch } from './support/records.js';

const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

/** Waits (up to a generous minute) for `condition`; the caller asserts it afterwards. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 60_000; waited += 10) await setTimeout(10);
}

describe('FilePool', () => {
  test('keeps at most maxOpen descriptors, closing the least recently used', () => {
    const dir = tempDir();
    const files = Array.from({ length: 10 }, (_, i) => path.join(dir, `f${i}`));
    for (const [i, f] of files.entries()) fs.writeFileSync(f, `file ${i}`);
    const pool = new FilePool(3);
    const before = openDescriptors();
    const read = (f: string): string => pool.use(f, (fd) => fs.readFileSync(fd, 'utf8'));
    for (let round = 0; round < 3; round++)
      for (const [i, f] of files.entries()) {
        const text = pool.use(f, (fd) => {
          const buf = Buffer.alloc(20);
          return buf.subarray(0, fs.readSync(fd, buf, 0, 20, 0)).toString();
        });
        assert.equal(text, `file ${i}`);
        assert.ok(pool.openCount <= 3);
        assert.ok(openDescriptors() - before <= 3);
      }
    assert.equal(pool.opens, 30, 'cycling through 10 files with room for 3 reopens each time');
    read(files[9]!);
    assert.equal(pool.opens, 30, 'a recently used file is still open');
    pool.closeAll();
    assert.equal(openDescriptors(), before);
  });

  test('a file in use is not closed by a nested use that needs room', () => {
    const dir = tempDir();
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
    fs.writeFileSync(a, 'a');
    fs.writeFileSync(b, 'b');
    const pool = new FilePool(1);
    const both = pool.use(a, (fdA) => {
      const inner = pool.use(b, (fdB) => fs.readFileSync(fdB, 'utf8'));
      const buf = Buffer.alloc(1);
      fs.readSync(fdA, buf, 0, 1, 0);
      return buf.toString() + inner;
    });
    assert.equal(both, 'ab');
    pool.closeAll();
  });
});

describe('LogManager with log.max.open.files', () => {
  test('200 partitions with several segments each hold at most the cap, across a restart', async () => {
    const dataDir = tempDir();
    const config = logConfig({ segmentBytes: 1024 });
    const options = { configFor: () => config, maxOpenFiles: 24 };
    const before = openDescriptors();
    let manager = LogManager.open(dataDir, options);
    for (let p = 0; p < 200; p++) {
      const log = manager.getOrCreateLog('wide', p, config);
      for (let i = 0; i < 6; i++) log.append(sizedBatch(400, 1_000 + i), leader);
    }
    assert.ok(manager.files.openCount <= 24);
    assert.ok(openDescriptors() - before <= 24, `${openDescriptors() - before} descriptors open`);
    assert.ok((manager.getLog('wide', 0)?.segmentCount ?? 0) >= 3);
    manager.close();
    // Flushes of rolled segments still running on the thread pool close their descriptors when done.
    await until(() => openDescriptors() === before);
    assert.equal(openDescriptors(), before, 'close releases every descriptor');

    manager = LogManager.open(dataDir, options);
    assert.equal(manager.loadSummary.partitions, 200);
    assert.equal(manager.loadSummary.cleanShutdown, true);
    for (let p = 0; p < 200; p++) {
      const log = manager.getLog('wide', p);
      assert.ok(log);
      assert.equal(log.logEndOffset, 6);
      // Every segment is read, in an order that defeats the LRU.
      let offset = 0;
      while (offset < 6) {
        const read = log.read(offset, 400);
        assert.ok(read.records.length > 0);
        offset = read.nextOffset;
      }
      assert.ok(manager.files.openCount <= 24);
    }
    assert.ok(openDescriptors() - before <= 24);
    manager.close();
    await until(() => openDescriptors() === before);
    assert.equal(openDescriptors(), before);
  });
});
