import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UNDEFINED_EPOCH } from '../src/index.js';
import { openLog, tempDir } from './support/fixtures.js';
import { makeBatch } from './support/records.js';

describe('leader epoch cache', () => {
  it("records epoch starts from appends and writes Kafka's checkpoint format", () => {
    const dir = tempDir();
    let log = openLog(dir);
    const append = (epoch: number) =>
      log.append(makeBatch([{ value: 'x' }, { value: 'y' }]), { leaderEpoch: epoch, assignOffsets: true });
    append(0);
    append(0);
    log.assignEpoch(2, 4); // a new leader, before its first append
    append(2);
    append(5);
    assert.equal(log.leaderEpoch, 5);
    const file = path.join(log.dir, 'leader-epoch-checkpoint');
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n3\n0 0\n2 4\n5 6\n');

    // OffsetForLeaderEpoch semantics.
    assert.deepEqual(log.endOffsetForEpoch(5), { epoch: 5, endOffset: 8 }); // latest: the log end
    assert.deepEqual(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 4 });
    assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 2, endOffset: 6 }); // unknown: largest below
    assert.deepEqual(log.endOffsetForEpoch(9), { epoch: UNDEFINED_EPOCH, endOffset: -1 });
    assert.deepEqual(log.endOffsetForEpoch(-1), { epoch: UNDEFINED_EPOCH, endOffset: -1 });

    log.close();
    log = openLog(dir);
    assert.deepEqual(log.leaderEpochEntries, [
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 4 },
      { epoch: 5, startOffset: 6 },
    ]);
    // Log start moves: epochs before it collapse onto it.
    log.updateHighWatermark(8);
    log.deleteRecordsBefore(5);
    assert.deepEqual(log.leaderEpochEntries, [
      { epoch: 2, startOffset: 5 },
      { epoch: 5, startOffset: 6 },
    ]);
    assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 5 }); // older than all known
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n2\n2 5\n5 6\n');
    log.close();
  });

  it('drops conflicting entries when an epoch is reassigned lower', () => {
    const log = openLog(tempDir());
    log.assignEpoch(1, 0);
    log.assignEpoch(3, 10);
    log.assignEpoch(4, 20);
    log.assignEpoch(3, 15); // contradicts (4, 20) and replaces (3, 10)'s successor
    assert.deepEqual(log.leaderEpochEntries, [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 15 },
    ]);
    log.close();
  });
});
