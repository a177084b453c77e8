/**
 * Cross-checks with kafkajs, an independent client: what our producer writes kafkajs reads, and
 * what kafkajs writes our consumer reads, for every codec.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { registerKafkajsCodecs } from '@gregor/testkit/kafkajs-codecs';
import { kafkaClient, readAll } from '@gregor/testkit/kafkajs';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, Producer, type CompressionName } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  await registerKafkajsCodecs();
  tb = await startTestBroker();
  kafka = kafkaClient(tb.bootstrap);
  admin = new Admin({ brokers: [tb.bootstrap] });
});
after(async () => {
  await admin.close();
  await tb.stop();
});

const CODECS: [CompressionName, CompressionTypes][] = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
];
const COUNT = 1_500;

for (const [name, kafkajsCodec] of CODECS) {
  test(`our producer → kafkajs, ${name}`, async () => {
    const topic = uniqueTopic(`to-kafkajs-${name}`);
    await createTopic(admin, topic, 3);
    const producer = new Producer({ brokers: [tb.bootstrap], compression: name });
    const sent = await producer.sendBatch(
      Array.from({ length: COUNT }, (_, i) => ({
        topic,
        key: `key-${i % 41}`,
        value: `v${i}`,
        headers: { i: String(i) },
      })),
    );
    await producer.close();
    const got = await readAll(kafka, topic, [0, 1, 2], COUNT);
    assert.equal(got.length, COUNT);
    const at = new Map(got.map((m) => [`${m.partition}/${m.offset}`, m]));
    sent.forEach((m, i) => {
      const theirs = at.get(`${m.partition}/${m.offset}`)!;
      assert.equal(theirs.key!.toString(), `key-${i % 41}`);
      assert.equal(theirs.value!.toString(), `v${i}`);
      assert.equal(String(theirs.headers.i), String(i));
    });
  });

  test(`kafkajs producer → our consumer, ${name}`, async () => {
    const topic = uniqueTopic(`from-kafkajs-${name}`);
    await createTopic(admin, topic, 3);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let start = 0; start < COUNT; start += 500)
      await producer.send({
        topic,
        compression: kafkajsCodec,
        acks: -1,
        messages: Array.from({ length: 500 }, (_, j) => ({
          key: `key-${(start + j) % 41}`,
          value: `v${start + j}`,
          headers: { i: String(start + j) },
        })),
      });
    await producer.disconnect();
    const consumer = new Consumer({ brokers: [tb.bootstrap], autoOffsetReset: 'earliest', maxWaitMs: 50 });
    consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const got = await consumeN(consumer, COUNT);
    await consumer.close();
    const byIndex = new Map(got.map((r) => [Number(r.headers[0]!.value!.toString()), r]));
    assert.equal(byIndex.size, COUNT);
    for (let i = 0; i < COUNT; i++) {
      const r = byIndex.get(i)!;
      assert.equal(r.value!.toString(), `v${i}`);
      assert.equal(r.key!.toString(), `key-${i % 41}`);
    }
    // kafkajs's DefaultPartitioner and ours agree, so each key sits in one partition.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const r of got) {
      const k = r.key!.toString();
      if (!partitionsOfKey.has(k)) partitionsOfKey.set(k, new Set());
      partitionsOfKey.get(k)!.add(r.partition);
    }
    for (const set of partitionsOfKey.values()) assert.equal(set.size, 1);
  });
}
