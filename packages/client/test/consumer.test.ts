/** The consumer with manual assignment against a real broker. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, KafkaClientError, KafkaError, Producer } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';

let tb: TestBroker;
let admin: Admin;
let producer: Producer;

before(async () => {
  tb = await startTestBroker();
  admin = new Admin({ brokers: [tb.bootstrap] });
  producer = new Producer({ brokers: [tb.bootstrap] });
});
after(async () => {
  await producer.close();
  await admin.close();
  await tb.stop();
});

async function topicWith(count: number, partitions = 1): Promise<string> {
  const topic = uniqueTopic('consumer');
  await createTopic(admin, topic, partitions);
  await producer.sendBatch(
    Array.from({ length: count }, (_, i) => ({ topic, partition: i % partitions, value: String(i) })),
  );
  return topic;
}

const newConsumer = (options: Partial<ConstructorParameters<typeof Consumer>[0]> = {}) =>
  new Consumer({ brokers: [tb.bootstrap], autoOffsetReset: 'earliest', maxWaitMs: 50, ...options });

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value!.toString());

test('poll returns batches up to maxPollRecords, in offset order, and the next fetch is already in flight', async () => {
  const topic = await topicWith(1_000);
  const consumer = newConsumer({ maxPollRecords: 100 });
  consumer.assign([{ topic, partition: 0 }]);
  const first = await consumeN(consumer, 100);
  assert.equal(first.length, 100);
  assert.deepEqual(
    first.map((r) => r.offset),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.equal(consumer.position({ topic, partition: 0 }), 100);
  const rest = await consumeN(consumer, 900);
  assert.equal(rest[0]!.offset, 100);
  assert.equal(rest.at(-1)!.offset, 999);
  // Pipelining: after poll hands records out, a fetch for what follows is already on its way.
  await producer.send({ topic, partition: 0, value: 'more' });
  const fetcher = (consumer as unknown as { fetcher: { fetchesInFlight: number } }).fetcher;
  assert.equal(fetcher.fetchesInFlight, 1);
  await consumer.close();
});

test('the async iterator yields every record; leaving early rewinds to the first record not yielded', async () => {
  const topic = await topicWith(50);
  const consumer = newConsumer();
  consumer.assign([{ topic, partition: 0 }]);
  const seen: number[] = [];
  for await (const r of consumer) {
    seen.push(r.offset);
    if (seen.length === 10) break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(consumer.position({ topic, partition: 0 }), 10);
  const next = await consumeN(consumer, 40);
  assert.equal(next[0]!.offset, 10);
  await consumer.close();
});

test('assign with explicit offsets, earliest and latest; seek moves and drops buffered data', async () => {
  const topic = await topicWith(100);
  const consumer = newConsumer();
  consumer.assign([{ topic, partition: 0, offset: 42 }]);
  assert.equal((await consumeN(consumer, 1))[0]!.offset, 42);
  consumer.seek({ topic, partition: 0 }, 7);
  assert.equal((await consumer.poll(2_000))[0]!.offset, 7);
  consumer.seek({ topic, partition: 0 }, 'latest');
  assert.deepEqual(await consumer.poll(300), []);
  assert.equal(consumer.position({ topic, partition: 0 }), 100);
  await producer.send({ topic, partition: 0, value: 'new' });
  assert.deepEqual(values(await consumeN(consumer, 1)), ['new']);
  consumer.seek({ topic, partition: 0 }, 'earliest');
  assert.equal((await consumeN(consumer, 1))[0]!.offset, 0);
  assert.throws(() => consumer.seek({ topic, partition: 3 }, 0), KafkaClientError);
  await consumer.close();
});

test('pause stops a partition, resume continues where it was', async () => {
  const topic = await topicWith(200, 2);
  const consumer = newConsumer({ maxPollRecords: 1_000 });
  consumer.assign([
    { topic, partition: 0 },
    { topic, partition: 1 },
  ]);
  consumer.pause([{ topic, partition: 1 }]);
  assert.deepEqual(consumer.paused(), [{ topic, partition: 1 }]);
  const got = await consumeN(consumer, 100);
  assert.ok(got.every((r) => r.partition === 0));
  assert.deepEqual(await consumer.poll(300), [], 'nothing from the paused partition');
  consumer.resume([{ topic, partition: 1 }]);
  const rest = await consumeN(consumer, 100);
  assert.ok(rest.every((r) => r.partition === 1));
  assert.equal(rest[0]!.offset, 0);
  await consumer.close();
});

test('OFFSET_OUT_OF_RANGE resets by autoOffsetReset: earliest, latest; none raises the error', async () => {
  const topic = await topicWith(100);
  await admin.deleteRecords(topic, [{ partition: 0, offset: 60 }]);
  const early = newConsumer({ autoOffsetReset: 'earliest' });
  early.assign([{ topic, partition: 0, offset: 10 }]); // below the log start now
  assert.equal((await consumeN(early, 1))[0]!.offset, 60);
  await early.close();

  const late = newConsumer({ autoOffsetReset: 'latest' });
  late.assign([{ topic, partition: 0, offset: 5_000 }]); // past the end
  assert.deepEqual(await late.poll(500), []);
  assert.equal(late.position({ topic, partition: 0 }), 100);
  await late.close();

  const strict = newConsumer({ autoOffsetReset: 'none' });
  strict.assign([{ topic, partition: 0, offset: 10 }]);
  await assert.rejects(strict.poll(2_000), (e: unknown) => e instanceof KafkaError && e.name === 'OFFSET_OUT_OF_RANGE');
  await strict.close();

  const noOffset = newConsumer({ autoOffsetReset: 'none' });
  noOffset.assign([{ topic, partition: 0 }]);
  await assert.rejects(noOffset.poll(500), KafkaClientError);
  await noOffset.close();
});

test('read_committed and read_uncommitted both read non-transactional records', async () => {
  const topic = await topicWith(20);
  for (const isolationLevel of ['read_committed', 'read_uncommitted'] as const) {
    const consumer = newConsumer({ isolationLevel });
    consumer.assign([{ topic, partition: 0 }]);
    assert.deepEqual(
      values(await consumeN(consumer, 20)),
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    await consumer.close();
  }
});

test('a record far larger than maxPartitionBytes is still returned (the broker sends one whole batch)', async () => {
  const topic = uniqueTopic('big');
  await createTopic(admin, topic, 1);
  await producer.send({ topic, value: Buffer.alloc(300_000, 7) });
  const consumer = newConsumer({ maxPartitionBytes: 1_024 });
  consumer.assign([{ topic, partition: 0 }]);
  const [r] = await consumeN(consumer, 1);
  assert.equal(r!.value!.length, 300_000);
  await consumer.close();
});

test('an unknown topic in an assignment surfaces a typed error', async () => {
  const consumer = newConsumer({ requestTimeoutMs: 1_000 });
  consumer.assign([{ topic: uniqueTopic('nope'), partition: 0 }]);
  await assert.rejects(
    consumer.poll(1_000),
    (e: unknown) => e instanceof KafkaError && e.name === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
  await consumer.close();
});
