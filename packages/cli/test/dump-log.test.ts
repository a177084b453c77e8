/**
 * `gregor dump-log` on segment files a real broker wrote: Kafka's batch lines (offsets, count,
 * position, CreateTime, size, magic, codec, crc, isvalid), record lines with --deep-iteration and
 * --print-data-log (key, payload, headers), .index and .timeindex entries that agree with the
 * log, a copy with a corrupted batch and trailing garbage, files that cannot be dumped, and a
 * hand-written segment with transactional, control, LogAppendTime and delete-horizon batches.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Producer } from '@gregor/client';
import { ControlRecordType, encodeEndTxnMarkerBatch, encodeRecordBatch } from '@gregor/protocol';
import { lines, runCli } from './support/run-cli.js';

let broker: TestBroker;
let dir: string;
/** The first, rolled segment of dumped-0 (its indexes are complete on disk). */
let segment: { log: string; index: string; timeindex: string };
const BASE = Date.UTC(2024, 4, 1, 12, 0, 0);
const dump = (...args: string[]) => runCli(['dump-log', ...args]);

before(async () => {
  broker = await startTestBroker();
  dir = mkdtempSync(join(tmpdir(), 'gregor-cli-dump-'));
  const created = await runCli([
    '--bootstrap-server',
    broker.bootstrap,
    'topic',
    'create',
    'dumped',
    // An index entry for every batch but the first, and a roll after a few batches.
    '--config',
    'index.interval.bytes=1',
    '--config',
    'segment.bytes=400',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const plain = new Producer({ brokers: [broker.bootstrap], lingerMs: 0 });
  const gzip = new Producer({ brokers: [broker.bootstrap], lingerMs: 0, compression: 'gzip' });
  try {
    // One batch per send: three plain ones, then one gzip batch of two records, then more to roll.
    for (const i of [0, 1, 2])
      await plain.send({
        topic: 'dumped',
        key: `k${i}`,
        value: `value${i}`,
        headers: { trace: `t${i}` },
        timestamp: BASE + i * 1000,
      });
    await gzip.sendBatch(
      [3, 4].map((i) => ({ topic: 'dumped', key: `k${i}`, value: `value${i}`, timestamp: BASE + i * 1000 })),
    );
    for (const i of [5, 6, 7, 8, 9])
      await plain.send({ topic: 'dumped', value: 'x'.repeat(100), timestamp: BASE + i * 1000 });
  } finally {
    await plain.close();
    await gzip.close();
  }
  const partitionDir = join(broker.dataDir, 'dumped-0');
  const logs = readdirSync(partitionDir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  assert.ok(logs.length >= 2, `the segment rolled: ${logs.join(', ')}`);
  const base = join(partitionDir, logs[0]!.slice(0, -'.log'.length));
  segment = { log: `${base}.log`, index: `${base}.index`, timeindex: `${base}.timeindex` };
});
after(async () => {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface BatchLine {
  baseOffset: number;
  lastOffset: number;
  count: number;
  position: number;
  createTime: number;
  size: number;
  codec: string;
  valid: boolean;
}

const BATCH =
  /^baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: \d+ lastSequence: \d+ producerId: \d+ producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: (\d+) CreateTime: (\d+) size: (\d+) magic: 2 compresscodec: (\w+) crc: \d+ isvalid: (true|false)$/;

function batchLines(stdout: string): BatchLine[] {
  return lines(stdout)
    .filter((l) => l.startsWith('baseOffset:'))
    .map((l) => {
      const m = BATCH.exec(l);
      assert.ok(m, `a batch line in Kafka's format: ${l}`);
      return {
        baseOffset: Number(m[1]),
        lastOffset: Number(m[2]),
        count: Number(m[3]),
        position: Number(m[4]),
        createTime: Number(m[5]),
        size: Number(m[6]),
        codec: m[7]!,
        valid: m[8] === 'true',
      };
    });
}

test('a segment: batch headers, then records with --print-data-log', async () => {
  let r = await dump('--files', segment.log);
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out[0], `Dumping ${segment.log}`);
  assert.equal(out[1], 'Log starting offset: 0');
  const batches = batchLines(r.stdout);
  assert.ok(batches.length >= 4, r.stdout);
  assert.deepEqual(
    batches.slice(0, 4).map((b) => [b.baseOffset, b.lastOffset, b.count, b.createTime, b.codec]),
    [
      [0, 0, 1, BASE, 'none'],
      [1, 1, 1, BASE + 1000, 'none'],
      [2, 2, 1, BASE + 2000, 'none'],
      [3, 4, 2, BASE + 4000, 'gzip'],
    ],
  );
  let position = 0;
  for (const b of batches) {
    assert.equal(b.position, position, 'each batch starts where the previous ended');
    assert.ok(b.valid);
    position += b.size;
  }
  assert.equal(position, readFileSync(segment.log).length, 'the batches cover the file');
  assert.ok(!out.some((l) => l.startsWith('|')), 'no records without --deep-iteration');

  r = await dump('--files', segment.log, '--deep-iteration');
  const shallowRecords = lines(r.stdout).filter((l) => l.startsWith('|'));
  assert.equal(
    shallowRecords[0],
    `| offset: 0 CreateTime: ${BASE} keySize: 2 valueSize: 6 sequence: 0 headerKeys: [trace]`,
  );

  r = await dump('--files', segment.log, '--print-data-log');
  assert.equal(r.code, 0, r.stderr);
  const records = lines(r.stdout).filter((l) => l.startsWith('|'));
  assert.deepEqual(records.slice(0, 5), [
    `| offset: 0 CreateTime: ${BASE} keySize: 2 valueSize: 6 sequence: 0 headerKeys: [trace] headers: [trace=t0] key: k0 payload: value0`,
    `| offset: 1 CreateTime: ${BASE + 1000} keySize: 2 valueSize: 6 sequence: 1 headerKeys: [trace] headers: [trace=t1] key: k1 payload: value1`,
    `| offset: 2 CreateTime: ${BASE + 2000} keySize: 2 valueSize: 6 sequence: 2 headerKeys: [trace] headers: [trace=t2] key: k2 payload: value2`,
    `| offset: 3 CreateTime: ${BASE + 3000} keySize: 2 valueSize: 6 sequence: 0 headerKeys: [] key: k3 payload: value3`,
    `| offset: 4 CreateTime: ${BASE + 4000} keySize: 2 valueSize: 6 sequence: 1 headerKeys: [] key: k4 payload: value4`,
  ]);
  assert.equal(
    records.length,
    batches.reduce((n, b) => n + b.count, 0),
  );
});

test('.index and .timeindex entries point at the batches of the log', async () => {
  const batches = batchLines((await dump('--files', segment.log)).stdout);
  const r = await dump('--files', `${segment.index},${segment.timeindex}`);
  assert.equal(r.code, 0, r.stderr);
  const [indexPart, timePart] = r.stdout.split(`Dumping ${segment.timeindex}\n`);
  const offsets = lines(indexPart!).slice(1);
  assert.equal(lines(indexPart!)[0], `Dumping ${segment.index}`);
  assert.ok(offsets.length >= 3, r.stdout);
  for (const line of offsets) {
    const m = /^offset: (\d+) position: (\d+)$/.exec(line);
    assert.ok(m, line);
    const batch = batches.find((b) => b.position === Number(m[2]));
    assert.equal(batch?.lastOffset, Number(m[1]), `${line} names a batch's last offset and position`);
  }
  const times = lines(timePart!);
  assert.ok(times.length >= 1, r.stdout);
  for (const line of times) {
    const m = /^timestamp: (\d+) offset: (\d+)$/.exec(line);
    assert.ok(m, line);
    assert.ok(
      batches.some((b) => b.lastOffset === Number(m[2]) && b.createTime === Number(m[1])),
      line,
    );
  }
  const last = /^timestamp: (\d+)/.exec(times[times.length - 1]!)!;
  assert.equal(Number(last[1]), Math.max(...batches.map((b) => b.createTime)), 'the rolled segment’s max timestamp');
});

test('a corrupted copy: isvalid false, unreadable records reported, trailing bytes counted; bad files exit 1', async () => {
  const copy = join(dir, '00000000000000000000.log');
  copyFileSync(segment.log, copy);
  const [, second] = batchLines((await dump('--files', segment.log)).stdout);
  const bytes = readFileSync(copy);
  bytes[second!.position + second!.size - 1]! ^= 0xff; // inside the second batch's record, covered by its CRC
  writeFileSync(copy, bytes);
  appendFileSync(copy, Buffer.alloc(10, 7));

  let r = await dump('--files', copy, '--print-data-log');
  assert.equal(r.code, 0, r.stderr);
  const batches = batchLines(r.stdout);
  assert.deepEqual(
    batches.map((b) => b.valid),
    batches.map((_, i) => i !== 1),
  );
  assert.match(r.stderr, new RegExp(`batch at position ${second!.position}: cannot read its records: .*CRC`));
  assert.ok(!r.stdout.includes('payload: value1'), 'the corrupt batch’s records are not printed');
  assert.ok(r.stdout.includes('payload: value2'), 'the batches after it are');
  assert.equal(lines(r.stdout).at(-1), 'Found 10 invalid bytes at the end of 00000000000000000000.log');

  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'hello');
  r = await dump('--files', `${join(dir, 'missing.log')},${notes},${segment.index}`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read .*missing\.log: no such file/);
  assert.match(r.stderr, /notes\.txt: not a \.log, \.index or \.timeindex file/);
  assert.match(r.stderr, /2 of 3 files could not be dumped/);
  assert.match(r.stdout, new RegExp(`^Dumping ${segment.index}$`, 'm'), 'the readable file is still dumped');

  r = await dump();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /required option '--files <files>' not specified/);
});

test('transactional, control and LogAppendTime batches, and a compacted delete horizon', async () => {
  const file = join(dir, '00000000000000000100.log');
  writeFileSync(
    file,
    Buffer.concat([
      encodeRecordBatch({
        records: [{ value: Buffer.from('in-txn-0') }, { value: Buffer.from('in-txn-1') }],
        baseOffset: 100,
        partitionLeaderEpoch: 4,
        producerId: 7,
        producerEpoch: 1,
        baseSequence: 10,
        transactional: true,
        timestamp: BASE,
        logAppendTime: BASE + 5000,
      }),
      encodeEndTxnMarkerBatch({
        type: ControlRecordType.Commit,
        producerId: 7,
        producerEpoch: 1,
        coordinatorEpoch: 3,
        baseOffset: 102,
        partitionLeaderEpoch: 4,
        timestamp: BASE + 6000,
      }),
      encodeRecordBatch({
        records: [{ key: Buffer.from('gone'), value: null }],
        baseOffset: 103,
        timestamp: BASE,
        baseTimestamp: BASE + 86_400_000,
        deleteHorizonSet: true,
      }),
    ]),
  );
  const r = await dump('--files', file, '--print-data-log');
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out[1], 'Log starting offset: 100');
  assert.match(
    out[2]!,
    new RegExp(
      `^baseOffset: 100 lastOffset: 101 count: 2 baseSequence: 10 lastSequence: 11 producerId: 7 producerEpoch: 1 partitionLeaderEpoch: 4 isTransactional: true isControl: false deleteHorizonMs: OptionalLong.empty position: 0 LogAppendTime: ${BASE + 5000} size: \\d+ magic: 2 compresscodec: none crc: \\d+ isvalid: true$`,
    ),
  );
  assert.equal(
    out[3],
    `| offset: 100 LogAppendTime: ${BASE + 5000} keySize: -1 valueSize: 8 sequence: 10 headerKeys: [] payload: in-txn-0`,
  );
  assert.match(out[5]!, /^baseOffset: 102 lastOffset: 102 count: 1 .* isTransactional: true isControl: true /);
  assert.equal(
    out[6],
    `| offset: 102 CreateTime: ${BASE + 6000} keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 3`,
  );
  assert.match(out[7]!, new RegExp(`^baseOffset: 103 .* deleteHorizonMs: OptionalLong\\[${BASE + 86_400_000}\\] `));
  assert.match(out[8]!, /^\| offset: 103 .* keySize: 4 valueSize: -1 .* key: gone$/, 'a tombstone has no payload');
  assert.equal(out.length, 9);
});
