import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogManager, logConfig, type PartitionLog } from '../src/index.js';
import { flipByte, leader, openLog, segmentFiles, tempDir } from './support/fixtures.js';
import { makeBatch, recordsOf } from './support/records.js';

const config = logConfig({ segmentBytes: 2_000, indexIntervalBytes: 200 });

function fillManaged(dataDir: string, count: number): { manager: LogManager; log: PartitionLog } {
  const manager = LogManager.open(dataDir, { configFor: () => config });
  const log = manager.getOrCreateLog('events', 0, config);
  for (let i = 0; i < count; i++)
    log.append(makeBatch([{ key: `k${i}`, value: `value-${i}`.padEnd(120, '.') }]), leader);
  return { manager, log };
}

function values(log: PartitionLog): string[] {
  return recordsOf(log.read(log.logStartOffset, 10_000_000).records).map((r) => r.value?.split('.')[0] ?? '');
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `value-${i}`);

/** The last .log file of a partition directory. */
function lastSegment(logDir: string): string {
  return path.join(logDir, segmentFiles(logDir, '.log').at(-1) as string);
}

describe('recovery', () => {
  it('reopens cleanly after close: marker written, everything served', () => {
    const dataDir = tempDir();
    const { manager, log } = fillManaged(dataDir, 50);
    assert.equal(manager.hadCleanShutdown, false);
    const size = log.size;
    manager.close();
    assert.ok(fs.existsSync(path.join(dataDir, '.gregor_cleanshutdown')));
    const reopened = LogManager.open(dataDir, { configFor: () => config });
    assert.equal(reopened.hadCleanShutdown, true);
    assert.ok(!fs.existsSync(path.join(dataDir, '.gregor_cleanshutdown')), 'marker removed while running');
    const again = reopened.getLog('events', 0) as PartitionLog;
    assert.equal(again.loadReport.recoveredSegments, 0);
    assert.equal(again.logEndOffset, 50);
    assert.equal(again.size, size);
    assert.deepEqual(values(again), expected(50));
    reopened.close();
  });

  it('truncates a torn tail (a batch cut mid-write) to the last whole batch', () => {
    const dataDir = tempDir();
    const { log } = fillManaged(dataDir, 40);
    // Simulate a crash: no close, no marker. Cut the last batch in half.
    const file = lastSegment(log.dir);
    const lastBatch = log.read(39, 1).records.length;
    fs.truncateSync(file, fs.statSync(file).size - Math.floor(lastBatch / 2));
    const manager = LogManager.open(dataDir, { configFor: () => config });
    const recovered = manager.getLog('events', 0) as PartitionLog;
    assert.equal(manager.hadCleanShutdown, false);
    assert.ok(recovered.loadReport.recoveredSegments >= 1);
    assert.equal(recovered.logEndOffset, 39);
    assert.deepEqual(values(recovered), expected(39));
    // Appends continue right after the last valid batch.
    assert.equal(recovered.append(makeBatch([{ value: 'value-39' }]), leader).baseOffset, 39);
    assert.deepEqual(values(recovered), expected(40));
    manager.close();
  });

  it('truncates a corrupt tail (bytes flipped in the last batch) and keeps the rest', () => {
    const dataDir = tempDir();
    const { log } = fillManaged(dataDir, 40);
    const file = lastSegment(log.dir);
    const bytes = fs.readFileSync(file);
    flipByte(bytes, bytes.length - 5); // payload of the last batch: CRC no longer matches
    fs.writeFileSync(file, bytes);
    const manager = LogManager.open(dataDir, { configFor: () => config });
    const recovered = manager.getLog('events', 0) as PartitionLog;
    assert.equal(recovered.logEndOffset, 39);
    assert.match(recovered.loadReport.problems.join('\n'), /CRC/);
    assert.deepEqual(values(recovered), expected(39));
    manager.close();
  });

  it('drops segments that follow a corrupt batch', () => {
    const dir = tempDir();
    const log = openLog(dir, { segmentBytes: 2_000 });
    for (let i = 0; i < 60; i++) log.append(makeBatch([{ value: `value-${i}`.padEnd(120, '.') }]), leader);
    const files = segmentFiles(log.dir, '.log');
    assert.ok(files.length >= 3);
    const middle = path.join(log.dir, files[1] as string);
    const bytes = fs.readFileSync(middle);
    flipByte(bytes, 100); // inside the segment's first batch
    fs.writeFileSync(middle, bytes);
    const recovered = openLog(dir, { segmentBytes: 2_000 });
    const base = Number((files[1] as string).slice(0, 20));
    assert.equal(recovered.logEndOffset, base);
    assert.equal(recovered.segmentCount, 2);
    assert.deepEqual(values(recovered), expected(base));
    recovered.close();
  });

  it('cuts bytes that do not frame as batches even after a clean shutdown', () => {
    const dir = tempDir();
    const log = openLog(dir);
    for (let i = 0; i < 5; i++) log.append(makeBatch([{ value: `value-${i}` }]), leader);
    log.close();
    fs.appendFileSync(lastSegment(log.dir), Buffer.alloc(30));
    const reopened = openLog(dir, {}, { cleanShutdown: true });
    assert.equal(reopened.logEndOffset, 5);
    assert.equal(reopened.append(makeBatch([{ value: 'value-5' }]), leader).baseOffset, 5);
    assert.deepEqual(values(reopened), expected(6));
    reopened.close();
  });

  it('keeps every acknowledged record when the writer process is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const script = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: number[] = [];
    let pending = '';
    const target = 300 + Math.floor(Math.random() * 200);
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) acked.push(Number(line));
        if (acked.length >= target && child.exitCode === null) child.kill('SIGKILL');
      });
    });
    assert.equal(child.signalCode, 'SIGKILL');
    assert.ok(acked.length >= target);
    assert.deepEqual(
      acked,
      Array.from({ length: acked.length }, (_, i) => i),
    );

    const configFor = () => logConfig({ flushMessages: 1, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 });
    const manager = LogManager.open(dataDir, { configFor });
    assert.equal(manager.hadCleanShutdown, false);
    const log = manager.getLog('crash', 0) as PartitionLog;
    assert.ok(log.segmentCount > 1, 'the writer crossed segments');
    const records = recordsOf(log.read(0, 100_000_000).records);
    // Every acknowledged offset is there, in order, and nothing else but (maybe) a few appended
    // after the last ack line: no gaps, no garbage.
    assert.ok(records.length >= acked.length);
    records.forEach((r, i) => {
      assert.equal(r.offset, i);
      assert.equal(r.key, `k${i}`);
      assert.equal(r.value?.split(':')[0], `v${i}`);
    });
    assert.equal(log.logEndOffset, records.length);
    manager.close();
  });
});

describe('log manager', () => {
  it('creates, finds, reloads and deletes partition logs', async () => {
    const dataDir = tempDir();
    const manager = LogManager.open(dataDir, { configFor: () => config });
    manager.getOrCreateLog('orders-eu', 0, config).append(makeBatch([{ value: 'a' }]), leader);
    manager.getOrCreateLog('orders-eu', 1, config);
    manager.getOrCreateLog('payments', 0, config);
    assert.deepEqual([...manager.allLogs().keys()].sort(), ['orders-eu-0', 'orders-eu-1', 'payments-0']);
    assert.equal(manager.sizes().get('orders-eu-0'), manager.getLog('orders-eu', 0)?.size);
    assert.equal(await manager.deleteLog('payments', 0), true);
    assert.equal(manager.getLog('payments', 0), undefined);
    assert.ok(!fs.readdirSync(dataDir).some((n) => n.startsWith('payments-0')));
    manager.close();

    const seen: string[] = [];
    const reopened = LogManager.open(dataDir, {
      configFor: (topic, partition) => {
        seen.push(`${topic}/${partition}`);
        return config;
      },
    });
    assert.deepEqual(seen.sort(), ['orders-eu/0', 'orders-eu/1']);
    assert.equal(reopened.getLog('orders-eu', 0)?.logEndOffset, 1);
    reopened.close();
  });
});
