/**
 * Idempotent delivery: retries after lost responses and across a broker restart write every
 * record exactly once, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey } from '@gregor/protocol';
import { startTestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, Producer, type RecordMetadata } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';
import { startLossyProxy } from './support/proxy.js';

async function readValues(bootstrap: string, topic: string, partitions: number[], count: number): Promise<string[][]> {
  const consumer = new Consumer({ brokers: [bootstrap], autoOffsetReset: 'earliest', maxWaitMs: 50 });
  consumer.assign(partitions.map((partition) => ({ topic, partition })));
  const got = await consumeN(consumer, count);
  // Nothing beyond `count` either.
  const extra = await consumer.poll(300);
  await consumer.close();
  assert.equal(extra.length, 0, 'no records beyond those sent');
  return partitions.map((p) => got.filter((r) => r.partition === p).map((r) => r.value!.toString()));
}

for (const idempotent of [true, false]) {
  test(`a lost Produce response is retried: ${idempotent ? 'written once (idempotent)' : 'duplicated (not idempotent)'}`, async () => {
    const proxy = await startLossyProxy();
    const tb = await startTestBroker({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` });
    proxy.targetPort = tb.port;
    try {
      const topic = uniqueTopic('lost-response');
      const admin = new Admin({ brokers: [`127.0.0.1:${proxy.port}`] });
      await createTopic(admin, topic, 1);
      await admin.close();
      const producer = new Producer({ brokers: [`127.0.0.1:${proxy.port}`], idempotent, retryBackoffMs: 10 });
      await producer.send({ topic, value: 'before' });
      proxy.dropNextResponse(ApiKey.Produce);
      const lost = await producer.send({ topic, value: 'answer lost' });
      const after = await producer.send({ topic, value: 'after' });
      await producer.close();
      assert.equal(proxy.dropped, 1);
      const [values] = await readValues(tb.bootstrap, topic, [0], idempotent ? 3 : 4);
      if (idempotent) {
        assert.deepEqual(values, ['before', 'answer lost', 'after']);
        assert.deepEqual([lost.offset, after.offset], [1, 2], 'the retry reports the original offset');
      } else assert.deepEqual(values, ['before', 'answer lost', 'answer lost', 'after']);
    } finally {
      await tb.stop();
      await proxy.close();
    }
  });
}

test('an idempotent stream across a broker restart: every record exactly once, in order', async () => {
  let tb = await startTestBroker();
  const topic = uniqueTopic('restart');
  const admin = new Admin({ brokers: [tb.bootstrap] });
  await createTopic(admin, topic, 3);
  await admin.close();
  const producer = new Producer({
    brokers: [tb.bootstrap],
    retryBackoffMs: 20,
    retryBackoffMaxMs: 200,
    lingerMs: 2,
    batchSize: 4_096,
  });
  const COUNT = 30_000;
  const deliveries: Promise<RecordMetadata>[] = [];
  let restarted: Promise<void> | null = null;
  let settled = 0;
  let settledAtStop = -1;
  let settledAtStart = -1;
  for (let i = 0; i < COUNT; i++) {
    const { delivery } = await producer.enqueue({ topic, key: `k${i % 17}`, value: String(i) });
    deliveries.push(delivery);
    void delivery.then(() => settled++);
    if (i === COUNT / 3) {
      settledAtStop = settled;
      restarted = tb.restart().then((next) => {
        settledAtStart = settled;
        tb = next;
      });
    }
    if (i % 1_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await restarted;
  const sent = await Promise.all(deliveries);
  await producer.close();
  // The restart really happened mid-stream: records were acknowledged before it, and most after.
  assert.ok(settledAtStop > 0 && settledAtStart < COUNT / 2, `${settledAtStop} before, ${settledAtStart} at restart`);
  try {
    const values = await readValues(tb.bootstrap, topic, [0, 1, 2], COUNT);
    for (const [p, list] of values.entries()) {
      const expected = sent
        .map((m, i) => ({ m, i }))
        .filter(({ m }) => m.partition === p)
        .map(({ i }) => String(i));
      assert.deepEqual(list, expected, `partition ${p}: in send order, no gaps, no duplicates`);
      const offsets = sent.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, j) => j),
        `partition ${p}: acknowledged offsets are 0..n-1`,
      );
    }
  } finally {
    await tb.stop();
  }
});
