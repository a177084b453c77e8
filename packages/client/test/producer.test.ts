/** The producer against a real broker: codecs, partitioning, acks, backpressure, errors. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import {
  Admin,
  ClientErrorCode,
  Consumer,
  KafkaClientError,
  KafkaError,
  Producer,
  type CompressionName,
} from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';

let tb: TestBroker;
let admin: Admin;

before(async () => {
  tb = await startTestBroker({ 'num.partitions': '1' });
  admin = new Admin({ brokers: [tb.bootstrap] });
});
after(async () => {
  await admin.close();
  await tb.stop();
});

const consumerFor = (topic: string, partitions: number[]): Consumer => {
  const c = new Consumer({ brokers: [tb.bootstrap], autoOffsetReset: 'earliest', maxWaitMs: 50 });
  c.assign(partitions.map((partition) => ({ topic, partition })));
  return c;
};

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[]) {
  test(`round trip of 2,000 records with keys and headers, ${codec}`, async () => {
    const topic = uniqueTopic(`codec-${codec}`);
    await createTopic(admin, topic, 2);
    const producer = new Producer({ brokers: [tb.bootstrap], compression: codec });
    const sent = await producer.sendBatch(
      Array.from({ length: 2_000 }, (_, i) => ({
        topic,
        key: `k${i % 50}`,
        value: `value-${i}-${'x'.repeat(i % 100)}`,
        headers: { seq: String(i), codec },
        timestamp: 1_700_000_000_000 + i,
      })),
    );
    await producer.close();
    assert.equal(sent.length, 2_000);
    const consumer = consumerFor(topic, [0, 1]);
    const got = await consumeN(consumer, 2_000);
    await consumer.close();
    const byOffset = new Map(got.map((r) => [`${r.partition}/${r.offset}`, r]));
    sent.forEach((m, i) => {
      const r = byOffset.get(`${m.partition}/${m.offset}`)!;
      assert.ok(r, `record ${i} at ${m.partition}/${m.offset}`);
      assert.equal(r.key?.toString(), `k${i % 50}`);
      assert.equal(r.value?.toString(), `value-${i}-${'x'.repeat(i % 100)}`);
      assert.equal(r.timestamp, 1_700_000_000_000 + i);
      assert.deepEqual(
        r.headers.map((h) => [h.key, h.value?.toString()]),
        [
          ['seq', String(i)],
          ['codec', codec],
        ],
      );
    });
    // Per partition, offsets follow the send order.
    for (const p of [0, 1]) {
      const offsets = sent.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
      );
    }
  });
}

test('keyed records land where kafkajs DefaultPartitioner puts them (3,000 keys, 7 partitions)', async () => {
  const topic = uniqueTopic('keyed');
  await createTopic(admin, topic, 7);
  const producer = new Producer({ brokers: [tb.bootstrap] });
  const keys = Array.from({ length: 3_000 }, (_, i) => `user-${i * 31}-${i % 13}`);
  const sent = await producer.sendBatch(keys.map((key) => ({ topic, key, value: key })));
  await producer.close();
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  keys.forEach((key, i) =>
    assert.equal(sent[i]!.partition, kafkajs({ topic, partitionMetadata, message: { key, value: key } }), key),
  );
  // And the broker has them there.
  const consumer = consumerFor(topic, [0, 1, 2, 3, 4, 5, 6]);
  const got = await consumeN(consumer, 3_000);
  await consumer.close();
  for (const r of got) assert.equal(r.partition, sent[keys.indexOf(r.key!.toString())]!.partition);
});

test('unkeyed records stick to one partition per batch and move between batches (KIP-480)', async () => {
  const topic = uniqueTopic('sticky');
  await createTopic(admin, topic, 4);
  const producer = new Producer({ brokers: [tb.bootstrap], batchSize: 1_000, lingerMs: 1_000 });
  // 100-byte values: about eight records fill a 1,000-byte batch.
  const sent = await producer.sendBatch(Array.from({ length: 400 }, () => ({ topic, value: Buffer.alloc(100) })));
  await producer.close();
  const runs: { partition: number; length: number }[] = [];
  for (const m of sent) {
    const last = runs[runs.length - 1];
    if (last && last.partition === m.partition) last.length++;
    else runs.push({ partition: m.partition, length: 1 });
  }
  // Consecutive records share a partition for a whole batch, then the partition changes.
  for (const run of runs.slice(0, -1)) assert.ok(run.length >= 7 && run.length <= 9, `run of ${run.length}`);
  assert.ok(runs.length >= 40, `${runs.length} runs`);
  assert.equal(new Set(sent.map((m) => m.partition)).size, 4, 'every partition used');
});

test('a custom partitioner decides, and undefined falls back to the default', async () => {
  const topic = uniqueTopic('custom');
  await createTopic(admin, topic, 3);
  const producer = new Producer({
    brokers: [tb.bootstrap],
    partitioner: ({ key, partitionCount }) => (key?.toString() === 'special' ? partitionCount - 1 : undefined),
  });
  const [a, b] = await producer.sendBatch([
    { topic, key: 'special', value: 'x' },
    { topic, key: 'foobar', value: 'y' },
  ]);
  await producer.close();
  assert.equal(a!.partition, 2);
  // toPositive(murmur2('foobar')) % 3 (murmur2('foobar') = -790332482).
  assert.equal(b!.partition, (-790332482 & 0x7fffffff) % 3);
});

for (const acks of [0, 1, -1] as const) {
  test(`acks=${acks}: records are written${acks === 0 ? ' (offsets unknown)' : ' with offsets'}`, async () => {
    const topic = uniqueTopic(`acks${acks}`);
    await createTopic(admin, topic, 1);
    const producer = new Producer({ brokers: [tb.bootstrap], acks });
    const sent = await producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ topic, value: `v${i}` })));
    await producer.close();
    if (acks === 0) assert.ok(sent.every((m) => m.offset === -1));
    else
      assert.deepEqual(
        sent.map((m) => m.offset),
        Array.from({ length: 100 }, (_, i) => i),
      );
    const consumer = consumerFor(topic, [0]);
    const got = await consumeN(consumer, 100);
    await consumer.close();
    assert.deepEqual(
      got.map((r) => r.value?.toString()),
      Array.from({ length: 100 }, (_, i) => `v${i}`),
    );
  });
}

test('idempotence needs acks=all', () => {
  assert.throws(
    () => new Producer({ brokers: [tb.bootstrap], acks: 1, idempotent: true }),
    (e: unknown) => e instanceof KafkaClientError && e.code === ClientErrorCode.InvalidConfig,
  );
});

test('backpressure: enqueue waits while bufferMemory is full, then everything is delivered in order', async () => {
  const topic = uniqueTopic('backpressure');
  await createTopic(admin, topic, 1);
  const producer = new Producer({
    brokers: [tb.bootstrap],
    bufferMemory: 64 * 1024,
    batchSize: 16 * 1024,
    lingerMs: 20,
  });
  const value = Buffer.alloc(1_000);
  let maxBuffered = 0;
  let waited = 0;
  const deliveries = [];
  for (let i = 0; i < 1_000; i++) {
    const queued = producer.enqueue({ topic, value, headers: { i: String(i) } });
    // Not appended at once: it waits (for memory, or for metadata on the very first record).
    if ((producer as unknown as { waitingSends: number }).waitingSends > 0) waited++;
    const { delivery } = await queued;
    deliveries.push(delivery);
    maxBuffered = Math.max(maxBuffered, (producer as unknown as { pool: { usedBytes: number } }).pool.usedBytes);
  }
  const sent = await Promise.all(deliveries);
  await producer.close();
  assert.ok(maxBuffered <= 64 * 1024, `buffered ${maxBuffered}`);
  assert.ok(waited > 1, `${waited} enqueue calls waited for memory`);
  assert.deepEqual(
    sent.map((m) => m.offset),
    Array.from({ length: 1_000 }, (_, i) => i),
  );
});

test('backpressure: a buffer that stays full fails after maxBlockMs with ERR_BUFFER_EXHAUSTED', async () => {
  // A broker that goes away after the metadata is known: nothing can be delivered, so the
  // buffer stays full; the stuck record then fails with ERR_DELIVERY_TIMEOUT.
  const gone = await startTestBroker();
  const topic = uniqueTopic('exhausted');
  const producer = new Producer({
    brokers: [gone.bootstrap],
    bufferMemory: 4_000,
    maxBlockMs: 200,
    deliveryTimeoutMs: 1_000,
    connectTimeoutMs: 200,
  });
  await producer.send({ topic, value: 'creates the topic' });
  await gone.stop();
  const first = await producer.enqueue({ topic, value: Buffer.alloc(3_000) });
  await assert.rejects(
    producer.enqueue({ topic, value: Buffer.alloc(3_000) }),
    (e: unknown) => e instanceof KafkaClientError && e.code === ClientErrorCode.BufferExhausted,
  );
  await assert.rejects(
    first.delivery,
    (e: unknown) => e instanceof KafkaClientError && e.code === ClientErrorCode.DeliveryTimeout,
  );
  await producer.close();
});

test('errors are typed: a partition that does not exist, an oversized record, a closed producer', async () => {
  const topic = uniqueTopic('errors');
  await createTopic(admin, topic, 2);
  const producer = new Producer({ brokers: [tb.bootstrap], maxRequestSize: 10_000 });
  await assert.rejects(producer.send({ topic, partition: 5, value: 'x' }), (e: unknown) => {
    assert.ok(e instanceof KafkaError);
    assert.equal(e.name, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(e.code, 3);
    assert.equal(e.retriable, true);
    return true;
  });
  await assert.rejects(
    producer.send({ topic, value: Buffer.alloc(20_000) }),
    (e: unknown) => e instanceof KafkaClientError && e.code === ClientErrorCode.RecordTooLarge,
  );
  await producer.close();
  await assert.rejects(
    producer.send({ topic, value: 'late' }),
    (e: unknown) => e instanceof KafkaClientError && e.code === ClientErrorCode.Closed,
  );
});

test('a topic created after the producer learned metadata is found; auto-creation works', async () => {
  const producer = new Producer({ brokers: [tb.bootstrap] });
  const topic = uniqueTopic('auto');
  const m = await producer.send({ topic, value: 'created on first send' });
  assert.deepEqual([m.partition, m.offset], [0, 0]);
  await producer.close();
});

test('flush sends lingering batches at once', async () => {
  const topic = uniqueTopic('flush');
  await createTopic(admin, topic, 1);
  const producer = new Producer({ brokers: [tb.bootstrap], lingerMs: 30_000 });
  await producer.connect();
  const { delivery } = await producer.enqueue({ topic, value: 'x' });
  const t = Date.now();
  await producer.flush();
  assert.ok(Date.now() - t < 5_000);
  assert.equal((await delivery).offset, 0);
  await producer.close();
});
