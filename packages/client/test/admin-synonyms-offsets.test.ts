/**
 * Admin additions for the CLI's admin commands, against a real broker: describeConfigs with
 * synonyms (most specific source first), alterGroupOffsets (one commit of exact offsets, refused
 * while the group has members) and the coordinator id in describeGroups.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, KafkaError } from '@gregor/client';

let broker: TestBroker;
let admin: Admin;

before(async () => {
  // log.retention.ms set in the broker's config, so retention.ms has a broker synonym with a value.
  broker = await startTestBroker({
    'group.initial.rebalance.delay.ms': '0',
    'offsets.topic.num.partitions': '1',
    'log.retention.ms': '3600000',
  });
  admin = new Admin({ brokers: [broker.bootstrap] });
  await admin.connect();
  await admin.createTopics([{ topic: 'syn', numPartitions: 2, configs: { 'retention.ms': '60000' } }]);
});
after(async () => {
  await admin?.close();
  await broker?.stop();
});

test('describeConfigs: synonyms only when asked for, most specific first', async () => {
  const [plain] = await admin.describeConfigs([{ type: 'topic', name: 'syn', keys: ['retention.ms'] }]);
  assert.deepEqual(plain!.configs[0]!.synonyms, []);
  const [withSynonyms] = await admin.describeConfigs([{ type: 'topic', name: 'syn', keys: ['retention.ms'] }], {
    includeSynonyms: true,
  });
  const entry = withSynonyms!.configs[0]!;
  assert.equal(entry.value, '60000');
  assert.equal(entry.source, 'dynamic-topic');
  assert.deepEqual(entry.synonyms, [
    { name: 'retention.ms', value: '60000', source: 'dynamic-topic' },
    { name: 'log.retention.ms', value: '3600000', source: 'static-broker' },
    { name: 'log.retention.hours', value: '168', source: 'default' },
  ]);
});

test('alterGroupOffsets commits exact offsets for an empty group and is refused for a live one', async () => {
  await admin.alterGroupOffsets('exact', [
    { topic: 'syn', partition: 0, offset: 0 },
    { topic: 'syn', partition: 1, offset: 0 },
  ]);
  assert.deepEqual(
    (await admin.listGroupOffsets('exact')).map((o) => [o.topic, o.partition, o.offset]),
    [
      ['syn', 0, 0],
      ['syn', 1, 0],
    ],
  );
  const [described] = await admin.describeGroups(['exact']);
  assert.equal(described!.coordinator, broker.broker.config.nodeId);

  const consumer = new Consumer({ brokers: [broker.bootstrap], groupId: 'busy', autoOffsetReset: 'earliest' });
  try {
    consumer.subscribe(['syn']);
    const deadline = Date.now() + 30_000;
    while ((await admin.describeGroups(['busy']))[0]!.state !== 'Stable') {
      await consumer.poll(200);
      assert.ok(Date.now() < deadline, 'the consumer never joined');
    }
    await assert.rejects(
      admin.alterGroupOffsets('busy', [{ topic: 'syn', partition: 0, offset: 0 }]),
      (e: unknown) => e instanceof KafkaError && e.name === 'UNKNOWN_MEMBER_ID',
    );
  } finally {
    await consumer.close();
  }
});
