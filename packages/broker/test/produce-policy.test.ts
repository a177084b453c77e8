/**
 * What a topic's configs do to produced batches, with confluent-kafka (librdkafka, idempotent)
 * and raw requests: compression.type other than `producer` recompresses batches that arrive with
 * another codec, keeping offsets, timestamps and producer id/epoch/sequence; `producer` stores the
 * client's codec; message.timestamp.type=LogAppendTime stamps batches with the broker clock; and
 * message.timestamp.difference/before/after.max.ms refuse out-of-range CreateTimes with
 * INVALID_TIMESTAMP naming the record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, CompressionType, encodeRecordBatch, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import {
  checkIdempotentBatches,
  CODEC_ID,
  findPython,
  run,
  scriptPath,
  storedBatches,
  type Codec,
} from '@gregor/testkit/interop';
import { RawClient } from './support/raw-client.js';

const { python, skip } = findPython('confluent_kafka');
const LOG_APPEND_TIME = 2; // confluent_kafka.TIMESTAMP_LOG_APPEND_TIME
const CREATE_TIME = 1;

let tb: TestBroker;
let raw: RawClient;

before(async () => {
  tb = await startTestBroker();
  raw = await RawClient.connect(tb.port);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

async function createTopic(name: string, configs: Record<string, string>): Promise<void> {
  const res = await raw.request(ApiKey.CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE, res.topics[0]?.errorMessage ?? '');
}

interface PolicyRun {
  delivered: [index: number, offset: number | null, error: string | null][];
  consumed: [offset: number, timestamp: number, type: number, key: string, value: string][];
}

async function produce(topic: string, codec: Codec, timestamps: (number | null)[]): Promise<PolicyRun> {
  const result = await run(python!, [
    scriptPath('produce_policy.py'),
    tb.bootstrap,
    topic,
    codec,
    JSON.stringify(timestamps),
  ]);
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as PolicyRun;
}

const TARGETS: [target: string, producerCodec: Codec, stored: number][] = [
  ['uncompressed', 'zstd', CODEC_ID.none],
  ['gzip', 'lz4', CODEC_ID.gzip],
  ['snappy', 'gzip', CODEC_ID.snappy],
  ['lz4', 'snappy', CODEC_ID.lz4],
  ['zstd', 'none', CODEC_ID.zstd],
  ['producer', 'snappy', CODEC_ID.snappy],
];

for (const [target, producerCodec, stored] of TARGETS)
  test(
    `compression.type=${target}: a ${producerCodec} producer's batches are stored with codec ${stored}`,
    { skip },
    async () => {
      const topic = `codec-${target}`;
      await createTopic(topic, { 'compression.type': target });
      const base = Date.now() - 60_000;
      const timestamps = Array.from({ length: 200 }, (_, i) => base + i);
      const out = await produce(topic, producerCodec, timestamps);
      assert.deepEqual(
        out.delivered.filter(([, , error]) => error !== null),
        [],
        'every record was acknowledged',
      );
      assert.deepEqual(
        out.consumed.map(([offset, ts, type, key, value]) => [offset, ts, type, key, value]),
        timestamps.map((ts, i) => [i, ts, CREATE_TIME, `k${i}`, `v${i}`]),
        'offsets, CreateTimes, keys and values are what was produced',
      );
      const batches = storedBatches(tb, topic);
      assert.ok(batches.length > 0);
      // librdkafka may send a tiny batch uncompressed; with a topic codec every batch has it.
      if (target === 'producer') assert.ok(batches.some((b) => b.compression === stored));
      else assert.deepEqual([...new Set(batches.map((b) => b.compression))], [stored]);
      assert.deepEqual(checkIdempotentBatches(batches), [], 'producer id, epoch and sequences survive');
    },
  );

test('message.timestamp.type=LogAppendTime stamps batches with the broker clock', { skip }, async () => {
  await createTopic('log-append', { 'message.timestamp.type': 'LogAppendTime', 'compression.type': 'gzip' });
  const before = Date.now();
  const out = await produce('log-append', 'lz4', [1_000_000_000_000, 1_500_000_000_000, null]);
  const afterwards = Date.now();
  assert.equal(out.consumed.length, 3);
  for (const [, ts, type] of out.consumed) {
    assert.equal(type, LOG_APPEND_TIME);
    assert.ok(ts >= before - 1000 && ts <= afterwards + 1000, `log append time ${ts} is the broker's clock`);
  }
});

test(
  'message.timestamp.difference.max.ms refuses records outside the window with INVALID_TIMESTAMP',
  { skip },
  async () => {
    await createTopic('ts-window', { 'message.timestamp.difference.max.ms': '3600000' });
    const now = Date.now();
    const out = await produce('ts-window', 'none', [now - 2 * 3_600_000]);
    assert.deepEqual(out.delivered, [[0, null, 'INVALID_TIMESTAMP']]);
    const ok = await produce('ts-window', 'none', [now - 60_000, now + 60_000]);
    assert.deepEqual(
      ok.delivered.map(([i, , error]) => [i, error]),
      [
        [0, null],
        [1, null],
      ],
    );
    assert.equal(tb.broker.replicas.partition('ts-window', 0)?.log.logEndOffset, 2, 'nothing of the refused batch');
  },
);

const produceRaw = (topic: string, records: Buffer, version = 9) =>
  raw.request(ApiKey.Produce, version, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });

test('before/after.max.ms bound each side; record errors name every refused record', async () => {
  await createTopic('ts-sides', {
    'message.timestamp.before.max.ms': '86400000',
    'message.timestamp.after.max.ms': '60000',
  });
  const now = Date.now();
  const batch = (timestamps: number[], compression: CompressionType = CompressionType.None) =>
    encodeRecordBatch({
      compression,
      records: timestamps.map((timestamp, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp })),
    });
  let res = await produceRaw(
    'ts-sides',
    batch([now - 3_600_000, now + 3_600_000, now, now + 7_200_000], CompressionType.Zstd),
  );
  let p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.match(p.errorMessage ?? '', /rejected due to invalid timestamp.*should be within/);
  assert.deepEqual(
    p.recordErrors.map((e) => e.batchIndex),
    [1, 3],
  );
  assert.match(p.recordErrors[0]!.batchIndexErrorMessage ?? '', new RegExp(`Timestamp ${now + 3_600_000} of message`));
  res = await produceRaw('ts-sides', batch([now - 3_600_000, now + 30_000]));
  p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.baseOffset, 0n);
});

test('a client batch claiming LogAppendTime is refused with INVALID_TIMESTAMP', async () => {
  await createTopic('client-log-append', {});
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v') }], logAppendTime: Date.now() });
  const res = await produceRaw('client-log-append', records);
  const p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, ErrorCode.INVALID_TIMESTAMP);
  assert.match(p.errorMessage ?? '', /LogAppendTime/);
});
