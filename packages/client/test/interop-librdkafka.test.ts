/**
 * Cross-checks with librdkafka (through kcat), a second independent client: what our producer
 * writes kcat reads, what kcat writes our consumer reads, and keys land on the same partitions
 * as librdkafka's Java-compatible murmur2 partitioner puts them. Skipped when kcat is missing
 * (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { run, toolMissing } from '@gregor/testkit/interop';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, partitionForKey, Producer } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';

const skip = toolMissing('kcat', ['-V']);
const PARTITIONS = 6;
const COUNT = 2_000;
let tb: TestBroker;
let admin: Admin;

before(async () => {
  if (skip) return;
  tb = await startTestBroker();
  admin = new Admin({ brokers: [tb.bootstrap] });
});
after(async () => {
  if (skip) return;
  await admin.close();
  await tb.stop();
});

const kcatConsume = (topic: string, partition: number) =>
  run(
    'kcat',
    [
      '-C',
      '-b',
      tb.bootstrap,
      '-t',
      topic,
      '-p',
      String(partition),
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%k\t%s\t%o\n',
    ],
    {
      timeoutMs: 60_000,
    },
  );

test('our producer → kcat (librdkafka), keyed records on murmur2 partitions', { skip }, async () => {
  const topic = uniqueTopic('ours-to-kcat');
  await createTopic(admin, topic, PARTITIONS);
  const producer = new Producer({ brokers: [tb.bootstrap], compression: 'lz4' });
  const sent = await producer.sendBatch(
    Array.from({ length: COUNT }, (_, i) => ({ topic, key: `key-${i % 53}`, value: `v${i}` })),
  );
  await producer.close();
  const seen = new Map<string, { key: string; partition: number }>();
  for (let p = 0; p < PARTITIONS; p++) {
    const out = await kcatConsume(topic, p);
    assert.equal(out.code, 0, out.stderr);
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const [key, value, offset] = line.split('\t') as [string, string, string];
      seen.set(value, { key, partition: p });
      assert.ok(Number(offset) >= 0);
    }
  }
  assert.equal(seen.size, COUNT);
  sent.forEach((m, i) => {
    const got = seen.get(`v${i}`)!;
    assert.equal(got.key, `key-${i % 53}`);
    assert.equal(got.partition, m.partition);
    assert.equal(m.partition, partitionForKey(Buffer.from(`key-${i % 53}`), PARTITIONS));
  });
});

test('kcat (librdkafka, murmur2_random) → our consumer, same partitions for the same keys', { skip }, async () => {
  const topic = uniqueTopic('kcat-to-ours');
  await createTopic(admin, topic, PARTITIONS);
  const input = Array.from({ length: COUNT }, (_, i) => `key-${i % 53}:v${i}`).join('\n') + '\n';
  const produced = await run(
    'kcat',
    ['-P', '-b', tb.bootstrap, '-t', topic, '-K', ':', '-X', 'partitioner=murmur2_random', '-z', 'snappy'],
    { input, timeoutMs: 60_000 },
  );
  assert.equal(produced.code, 0, produced.stderr);
  const consumer = new Consumer({ brokers: [tb.bootstrap], autoOffsetReset: 'earliest' });
  try {
    consumer.assign(
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })),
    );
    const records = await consumeN(consumer, COUNT, 30_000);
    assert.equal(records.length, COUNT);
    const lastSeq = new Map<string, number>();
    for (const r of records) {
      const key = r.key!.toString();
      const seq = Number(r.value!.toString().slice(1));
      assert.equal(key, `key-${seq % 53}`);
      assert.equal(
        r.partition,
        partitionForKey(Buffer.from(key), PARTITIONS),
        `${key} placed by librdkafka differently`,
      );
      assert.ok((lastSeq.get(key) ?? -1) < seq, 'per-key order');
      lastSeq.set(key, seq);
    }
  } finally {
    await consumer.close();
  }
});
