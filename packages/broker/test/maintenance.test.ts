/**
 * Retention and compaction run by the broker on real segments: old segments go by time and by
 * size (the log start offset moves), and a compacted topic keeps the latest record per key
 * with offsets unchanged, read back through a real client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { startTestBroker } from '../src/testing/index.js';
import { kafkaClient, readAll } from '@gregor/testkit/kafkajs';

const until = async (what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

async function produce(kafka: Kafka, topic: string, messages: { key?: string; value: string | null }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 50)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 50) });
  await producer.disconnect();
}

test('retention deletes whole old segments by size and by time', { timeout: 60_000 }, async () => {
  const tb = await startTestBroker({ 'log.retention.check.interval.ms': '100' });
  try {
    const kafka = kafkaClient(tb.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'by-size',
          numPartitions: 1,
          configEntries: [
            { name: 'segment.bytes', value: '4096' },
            { name: 'retention.bytes', value: '8192' },
          ],
        },
        { topic: 'by-time', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '4096' }] },
      ],
    });
    const records = Array.from({ length: 400 }, (_, i) => ({ value: `record-${i}-${'x'.repeat(60)}` }));
    await produce(kafka, 'by-size', records);
    await produce(kafka, 'by-time', records);
    const low = async (topic: string) => Number((await admin.fetchTopicOffsets(topic))[0]!.low);
    // Retention runs every 100 ms, also while records are still arriving: wait for it to settle.
    const log = tb.broker.replicas.partition('by-size', 0)!.log;
    await until('size retention', async () => (await low('by-size')) > 0 && log.size <= 8192 + 4096);
    assert.equal(await low('by-time'), 0, 'the default 7-day retention.ms keeps everything');

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2,
          name: 'by-time',
          configEntries: [
            { name: 'retention.ms', value: '1' },
            { name: 'segment.bytes', value: '4096' },
          ],
        },
      ],
    });
    await until('time retention', async () => (await low('by-time')) > 0);
    const remaining = await readAll(kafka, 'by-time', [0], 400, new Map([[0, BigInt(await low('by-time'))]]));
    assert.ok(remaining.length > 0 && remaining.length < 400, 'old segments gone, the active one kept');
    assert.equal(remaining.at(-1)!.value!.toString(), records.at(-1)!.value);
    await admin.disconnect();
  } finally {
    await tb.stop();
  }
});

test(
  'a compacted topic keeps the latest record per key, offsets unchanged, tombstones honoured',
  { timeout: 60_000 },
  async () => {
    // The cleaner's timer stays out of the way (its default 15 s backoff); the test runs a pass itself
    // once everything is written, so the size before and after compare like for like.
    const tb = await startTestBroker();
    try {
      const kafka = kafkaClient(tb.bootstrap);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          {
            topic: 'compacted',
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'segment.bytes', value: '2048' },
              { name: 'delete.retention.ms', value: '600000' },
            ],
          },
        ],
      });
      await admin.disconnect();
      const updates: { key: string; value: string | null }[] = Array.from({ length: 600 }, (_, i) => ({
        key: `key-${i % 20}`,
        value: `value-${i}`,
      }));
      updates.push({ key: 'key-3', value: null }); // a tombstone for key-3
      await produce(kafka, 'compacted', updates);
      // Records without keys are refused on compacted topics.
      const producer = kafka.producer({ retry: { retries: 0 } });
      await producer.connect();
      await assert.rejects(producer.send({ topic: 'compacted', acks: -1, messages: [{ value: 'no key' }] }));
      await producer.disconnect();

      const log = tb.broker.replicas.partition('compacted', 0)!.log;
      const before = log.size;
      await tb.broker.replicas.compact();
      assert.ok(log.size < before / 2, `compaction shrank the log from ${before} to ${log.size} bytes`);
      const after = await readAll(kafka, 'compacted', [0], 21);
      const latest = new Map<string, { offset: string; value: string | null }>();
      for (const m of after) latest.set(m.key!.toString(), { offset: m.offset, value: m.value?.toString() ?? null });
      for (let k = 0; k < 20; k++) {
        const key = `key-${k}`;
        if (k === 3) {
          assert.equal(latest.get(key)?.value, null, 'the tombstone is kept until delete.retention.ms');
          continue;
        }
        const lastIndex = 580 + k;
        assert.deepStrictEqual(latest.get(key), { offset: String(lastIndex), value: `value-${lastIndex}` });
      }
      const offsets = after.map((m) => Number(m.offset));
      assert.deepStrictEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
        'offsets stay in order',
      );
      assert.ok(after.length < 200, `compaction removed superseded records (${after.length} left)`);
    } finally {
      await tb.stop();
    }
  },
);
