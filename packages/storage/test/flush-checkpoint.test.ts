/**
 * Flushes off the event loop and periodic checkpoints: the recovery point moves only once an
 * fsync completed, rolls flush the previous segment, checkpoints are written in the background
 * only when they change, and closing or deleting a log while a flush runs is clean.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { FilePool, LogManager, logConfig, StorageError, type LogConfig, type PartitionLog } from '../src/index.js';
import { leader, segmentFiles, tempDir } from './support/fixtures.js';
import { makeBatch, recordsOf, sizedBatch } from './support/records.js';

const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

/** Waits (up to a generous minute) for `condition`; the caller asserts it afterwards. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 60_000; waited += 10) await setTimeout(10);
}

/** The offsets checkpoint file of a log, as written on disk. */
function checkpointed(log: PartitionLog): Record<string, number> {
  const file = path.join(log.dir, 'partition-offsets-checkpoint');
  if (!fs.existsSync(file)) return {};
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(2);
  return Object.fromEntries(lines.map((line) => line.split(' ')).map(([k, v]) => [k, Number(v)]));
}

function managed(config: LogConfig): { dataDir: string; manager: LogManager; log: PartitionLog } {
  const dataDir = tempDir();
  const manager = LogManager.open(dataDir, { configFor: () => config });
  return { dataDir, manager, log: manager.getOrCreateLog('events', 0, config) };
}

describe('flushing off the event loop', () => {
  test('flush.messages: the append returns at once, the recovery point moves when the fsync is done', async () => {
    const { manager, log } = managed(logConfig({ flushMessages: 2 }));
    const first = log.append(makeBatch([{ value: 'a' }]), leader);
    assert.equal(first.flushed, undefined, 'below flush.messages nothing is flushed');
    const second = log.append(makeBatch([{ value: 'b' }]), leader);
    assert.ok(second.flushed, 'the second record reaches flush.messages=2');
    // The fsync runs on the thread pool: it cannot have completed before this turn ends.
    assert.equal(log.recoveryPoint, 0);
    await second.flushed;
    assert.equal(log.recoveryPoint, 2);
    assert.equal(checkpointed(log)['recovery-point'], undefined, 'not checkpointed by the flush itself');
    await manager.checkpointRecoveryPoints();
    assert.equal(checkpointed(log)['recovery-point'], 2);
    manager.close();
  });

  test('flush() resolves once the records are fsynced and the checkpoint holds them', async () => {
    const { manager, log } = managed(logConfig({}));
    for (let i = 0; i < 5; i++) log.append(makeBatch([{ value: `v${i}` }]), leader);
    log.updateHighWatermark(4);
    const flushing = log.flush();
    assert.equal(log.recoveryPoint, 0);
    await flushing;
    assert.equal(log.recoveryPoint, 5);
    assert.deepEqual(checkpointed(log), { 'log-start-offset': 0, 'recovery-point': 5, 'high-watermark': 4 });
    manager.close();
  });

  test('rolling a segment flushes the previous ones in the background (no flush policy set)', async () => {
    const { manager, log } = managed(logConfig({ segmentBytes: 2_000 }));
    for (let i = 0; i < 40; i++) log.append(sizedBatch(300), leader);
    assert.ok(log.segmentCount >= 3);
    const activeBase = (log.segmentInfo().at(-1) as { baseOffset: number }).baseOffset;
    await until(() => log.recoveryPoint === activeBase);
    assert.equal(log.recoveryPoint, activeBase, 'every rolled segment is on disk');
    assert.ok(log.recoveryPoint < log.logEndOffset, 'the active segment is not flushed by a roll');
    manager.close();
  });

  test('flush.ms: flushDue starts due flushes and resolves when they are done', async () => {
    let now = 1_000_000;
    const config = logConfig({ flushMs: 1_000 });
    const dataDir = tempDir();
    const manager = LogManager.open(dataDir, { configFor: () => config, clock: () => now });
    const log = manager.getOrCreateLog('events', 0, config);
    log.append(makeBatch([{ value: 'a' }]), leader);
    await manager.flushDue();
    assert.equal(log.recoveryPoint, 0, 'not due yet');
    now += 1_000;
    await manager.flushDue();
    assert.equal(log.recoveryPoint, 1);
    manager.close();
  });
});

describe('periodic checkpoints', () => {
  test('the high watermark is checkpointed in the background, and only when it moved', async () => {
    const { manager, log } = managed(logConfig({}));
    log.append(makeBatch([{ value: 'a' }, { value: 'b' }]), leader);
    log.updateHighWatermark(2);
    const file = path.join(log.dir, 'partition-offsets-checkpoint');
    assert.equal(checkpointed(log)['high-watermark'], undefined);
    await manager.checkpointHighWatermarks();
    assert.equal(checkpointed(log)['high-watermark'], 2);
    assert.equal(checkpointed(log)['recovery-point'], 0, 'a checkpoint does not flush');
    const inode = fs.statSync(file).ino;
    await manager.checkpointHighWatermarks();
    assert.equal(fs.statSync(file).ino, inode, 'unchanged: not rewritten (a rewrite renames a new file in)');
    assert.deepEqual(
      fs.readdirSync(log.dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file is left behind',
    );
    manager.close();
  });

  test('a background checkpoint never replaces a newer synchronous one', async () => {
    const { manager, log } = managed(logConfig({}));
    log.append(makeBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }]), leader);
    log.updateHighWatermark(3);
    const background = manager.checkpointHighWatermarks();
    // DeleteRecords writes its checkpoint synchronously while the background write is under way.
    await new Promise((resolve) => setImmediate(resolve));
    log.deleteRecordsBefore(2);
    await background;
    assert.equal(checkpointed(log)['log-start-offset'], 2);
    manager.close();
  });
});

describe('closing while a flush runs', () => {
  test('a log closed with a flush pending shuts down cleanly and reopens without recovery', async () => {
    const { dataDir, manager, log } = managed(logConfig({ flushMessages: 1 }));
    const before = openDescriptors();
    const result = log.append(makeBatch([{ value: 'a' }]), leader);
    manager.close(); // flushes synchronously: shutdown
    await result.flushed;
    assert.equal(log.recoveryPoint, 1);
    await until(() => openDescriptors() <= before);
    assert.ok(openDescriptors() <= before, 'descriptors held by the pending fsync are closed after it');
    const reopened = LogManager.open(dataDir, { configFor: () => logConfig({}) });
    assert.equal(reopened.hadCleanShutdown, true);
    const again = reopened.getLog('events', 0) as PartitionLog;
    assert.equal(again.loadReport.recoveredSegments, 0);
    assert.deepEqual(
      recordsOf(again.read(0, 1_000).records).map((r) => r.value),
      ['a'],
    );
    reopened.close();
  });

  test('a log deleted with a flush pending tells the waiter and leaves no descriptor open', async () => {
    const { manager, log } = managed(logConfig({ flushMessages: 1 }));
    const before = openDescriptors();
    const result = log.append(makeBatch([{ value: 'a' }]), leader);
    const deleted = manager.deleteLog('events', 0);
    await assert.rejects(result.flushed as Promise<void>, (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.code, 'LOG_CLOSED');
      return true;
    });
    assert.equal(await deleted, true);
    await until(() => openDescriptors() <= before);
    assert.ok(openDescriptors() <= before);
    manager.close();
  });

  test('truncating below a pending flush keeps the recovery point at the truncation', async () => {
    const { manager, log } = managed(logConfig({ flushMessages: 1 }));
    for (let i = 0; i < 3; i++) log.append(makeBatch([{ value: `v${i}` }]), leader);
    const pending = log.append(makeBatch([{ value: 'v3' }]), leader).flushed as Promise<void>;
    log.truncateTo(2);
    await assert.rejects(pending, (err: unknown) => err instanceof StorageError && err.code === 'LOG_TRUNCATED');
    log.append(makeBatch([{ value: 'new' }]), leader);
    await log.flush();
    assert.equal(log.recoveryPoint, 3);
    manager.close();
  });
});

describe('FilePool leases', () => {
  test('a descriptor leased across awaits is closed by its last user, never reused meanwhile', () => {
    const dir = tempDir();
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
    fs.writeFileSync(a, 'aaaa');
    fs.writeFileSync(b, 'bb');
    const pool = new FilePool(1);
    const lease = pool.acquire(a);
    pool.close(a);
    assert.equal(fs.fstatSync(lease.fd).size, 4, 'still the descriptor of a');
    const other = pool.use(b, (fd) => fd);
    assert.notEqual(other, lease.fd, 'b got another number');
    assert.equal(pool.openCount, 2, 'the retired descriptor still counts while leased');
    lease.release();
    assert.throws(() => fs.fstatSync(lease.fd), { code: 'EBADF' });
    assert.equal(pool.openCount, 1);
    pool.closeAll();
  });

  test('sync of a file removed before its turn is a no-op, not an error', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gone');
    fs.writeFileSync(file, 'x');
    const pool = new FilePool(4, 1);
    const first = pool.sync(file);
    const second = pool.sync(file); // waits for the first: the only slot
    fs.rmSync(file);
    await Promise.all([first, second]);
    pool.closeAll();
  });
});

describe('recovery from the checkpoint', () => {
  test('after a crash, recovery starts at the checkpointed recovery point and cuts a torn tail', async () => {
    const config = logConfig({ segmentBytes: 2_000 });
    const { dataDir, manager, log } = managed(config);
    for (let i = 0; i < 30; i++) log.append(makeBatch([{ value: `value-${i}`.padEnd(300, '.') }]), leader);
    const activeBase = (log.segmentInfo().at(-1) as { baseOffset: number }).baseOffset;
    await until(() => log.recoveryPoint === activeBase);
    await manager.checkpointRecoveryPoints();
    const recoveryPoint = checkpointed(log)['recovery-point'] as number;
    assert.equal(recoveryPoint, activeBase);
    for (let i = 30; i < 35; i++) log.append(makeBatch([{ value: `value-${i}`.padEnd(300, '.') }]), leader);
    // The crash: no close, no marker; the last batch written only halfway.
    manager.files.closeAll();
    const last = path.join(log.dir, segmentFiles(log.dir, '.log').at(-1) as string);
    fs.truncateSync(last, fs.statSync(last).size - 100);

    const reopened = LogManager.open(dataDir, { configFor: () => config });
    const recovered = reopened.getLog('events', 0) as PartitionLog;
    assert.equal(reopened.hadCleanShutdown, false);
    assert.equal(recovered.loadReport.recoveryPoint, recoveryPoint);
    assert.equal(
      recovered.loadReport.recoveredFromOffset,
      recoveryPoint,
      'recovery starts at the segment holding the recovery point: the ones below are trusted',
    );
    assert.equal(recovered.logEndOffset, 34, 'the torn batch is cut');
    const values = recordsOf(recovered.read(0, 10_000_000).records).map((r) => r.value?.split('.')[0]);
    assert.deepEqual(
      values,
      Array.from({ length: 34 }, (_, i) => `value-${i}`),
    );
    reopened.close();
  });
});
