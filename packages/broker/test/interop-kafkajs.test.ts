/**
 * kafkajs against a real broker: topics created through its admin client, 10,000 keyed records
 * with headers produced to 3 partitions with each compression codec, and every record read back
 * in order with keys, headers and timestamps intact.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { registerKafkajsCodecs } from '@gregor/testkit/kafkajs-codecs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { kafkaClient, readAll } from '@gregor/testkit/kafkajs';

let tb: TestBroker;
let kafka: Kafka;

before(async () => {
  await registerKafkajsCodecs();
  tb = await startTestBroker();
  kafka = kafkaClient(tb.bootstrap);
});
after(() => tb.stop());

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;
const RECORDS = 10_000;
const BATCH = 500;

for (const [name, compression] of CODECS) {
  test(`kafkajs round trip of ${RECORDS} keyed records with headers, ${name}`, async () => {
    const topic = `kafkajs-${name}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const sentAt = Date.now();
      for (let start = 0; start < RECORDS; start += BATCH) {
        const messages = Array.from({ length: BATCH }, (_, j) => {
          const i = start + j;
          return {
            key: `key-${i % 97}`,
            value: `value-${i}`,
            headers: { seq: String(i), codec: name },
            timestamp: String(sentAt + i),
          };
        });
        const acks = await producer.send({ topic, compression, acks: -1, messages });
        for (const a of acks) assert.equal(a.errorCode, 0);
      }
      await producer.disconnect();

      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(
        offsets.reduce((n, o) => n + Number(o.high), 0),
        RECORDS,
      );
      const messages = await readAll(kafka, topic, [0, 1, 2], RECORDS);
      assert.equal(messages.length, RECORDS);
      const seen = new Set<number>();
      const lastSeqPerKey = new Map<string, number>();
      const lastOffsetPerPartition = new Map<number, bigint>();
      const partitionOfKey = new Map<string, number>();
      for (const m of messages) {
        const seq = Number(String(m.headers.seq));
        const key = m.key!.toString();
        assert.equal(key, `key-${seq % 97}`);
        assert.equal(m.value!.toString(), `value-${seq}`);
        assert.equal(String(m.headers.codec), name);
        assert.equal(Number(m.timestamp), sentAt + seq);
        // Records of one key go to one partition, in the order they were sent.
        assert.equal(partitionOfKey.get(key) ?? m.partition, m.partition);
        partitionOfKey.set(key, m.partition);
        assert.ok((lastSeqPerKey.get(key) ?? -1) < seq, `key ${key} out of order at ${seq}`);
        lastSeqPerKey.set(key, seq);
        const offset = BigInt(m.offset);
        assert.ok((lastOffsetPerPartition.get(m.partition) ?? -1n) < offset);
        lastOffsetPerPartition.set(m.partition, offset);
        seen.add(seq);
      }
      assert.equal(seen.size, RECORDS, 'every record exactly once');
      assert.equal(new Set(messages.map((m) => m.partition)).size, 3, 'all three partitions used');
    } finally {
      await admin.disconnect();
    }
  });
}
