/** The admin client against a real broker. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, KafkaError, Producer } from '../src/index.js';
import { uniqueTopic } from './support/helpers.js';

let tb: TestBroker;
let admin: Admin;

before(async () => {
  tb = await startTestBroker();
  admin = new Admin({ brokers: [tb.bootstrap] });
});
after(async () => {
  await admin.close();
  await tb.stop();
});

test('create, list, describe, grow and delete topics', async () => {
  const topic = uniqueTopic('admin');
  const [created] = await admin.createTopics([
    { topic, numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
  ]);
  assert.equal(created!.numPartitions, 2);
  assert.equal(created!.topicId.length, 22);
  assert.ok((await admin.listTopics()).includes(topic));
  await assert.rejects(
    admin.createTopics([{ topic, numPartitions: 1 }]),
    (e: unknown) => e instanceof KafkaError && e.name === 'TOPIC_ALREADY_EXISTS' && e.topic === topic,
  );
  await admin.createPartitions([{ topic, count: 5 }]);
  const [described] = await admin.describeTopics([topic]);
  assert.equal(described!.topicId, created!.topicId);
  assert.deepEqual(
    described!.partitions.map((p) => [p.partition, p.leader, p.replicas]),
    [0, 1, 2, 3, 4].map((p) => [p, 0, [0]]),
  );
  await admin.deleteTopics([topic]);
  assert.ok(!(await admin.listTopics()).includes(topic));
  await assert.rejects(
    admin.describeTopics([topic]),
    (e: unknown) => e instanceof KafkaError && e.name === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
});

test('validateOnly creates nothing', async () => {
  const topic = uniqueTopic('validate');
  await admin.createTopics([{ topic, numPartitions: 1 }], { validateOnly: true });
  assert.ok(!(await admin.listTopics()).includes(topic));
});

test('describe and incrementally alter topic and broker configs', async () => {
  const topic = uniqueTopic('configs');
  await admin.createTopics([{ topic, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
  const [before] = await admin.describeConfigs([
    { type: 'topic', name: topic, keys: ['cleanup.policy', 'retention.ms'] },
  ]);
  const byName = new Map(before!.configs.map((c) => [c.name, c]));
  assert.equal(byName.get('cleanup.policy')!.value, 'compact');
  assert.equal(byName.get('cleanup.policy')!.source, 'dynamic-topic');
  assert.equal(byName.get('retention.ms')!.isDefault, true);
  await admin.incrementalAlterConfigs([
    {
      type: 'topic',
      name: topic,
      ops: [
        { name: 'retention.ms', op: 'set', value: '1000' },
        { name: 'cleanup.policy', op: 'delete' },
      ],
    },
  ]);
  const [after] = await admin.describeConfigs([{ type: 'topic', name: topic }]);
  const now = new Map(after!.configs.map((c) => [c.name, c]));
  assert.equal(now.get('retention.ms')!.value, '1000');
  assert.equal(now.get('cleanup.policy')!.value, 'delete');
  const [broker] = await admin.describeConfigs([{ type: 'broker', name: '0', keys: ['log.retention.ms'] }]);
  assert.equal(broker!.configs.length, 1);
  await assert.rejects(
    admin.incrementalAlterConfigs([
      { type: 'topic', name: topic, ops: [{ name: 'no.such.config', op: 'set', value: '1' }] },
    ]),
    KafkaError,
  );
});

test('listOffsets, deleteRecords and describeLogDirs', async () => {
  const topic = uniqueTopic('records');
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  const producer = new Producer({ brokers: [tb.bootstrap] });
  await producer.sendBatch(
    Array.from({ length: 30 }, (_, i) => ({ topic, partition: i % 2, value: String(i), timestamp: 1_000_000 + i })),
  );
  await producer.close();
  assert.deepEqual(
    (await admin.listOffsets(topic, 'latest')).map((o) => o.offset),
    [15, 15],
  );
  assert.deepEqual(
    (await admin.listOffsets(topic, 'earliest')).map((o) => o.offset),
    [0, 0],
  );
  const byTime = await admin.listOffsets(topic, { timestamp: 1_000_010 }, { partitions: [0] });
  assert.deepEqual(byTime, [{ partition: 0, offset: 5, timestamp: 1_000_010 }]);
  const max = await admin.listOffsets(topic, 'max-timestamp', { partitions: [1] });
  assert.deepEqual(max, [{ partition: 1, offset: 14, timestamp: 1_000_029 }]);
  assert.deepEqual(await admin.deleteRecords(topic, [{ partition: 0, offset: 10 }]), [
    { partition: 0, lowWatermark: 10 },
  ]);
  assert.deepEqual(
    (await admin.listOffsets(topic, 'earliest')).map((o) => o.offset),
    [10, 0],
  );
  await assert.rejects(
    admin.deleteRecords(topic, [{ partition: 1, offset: 99 }]),
    (e: unknown) => e instanceof KafkaError && e.name === 'OFFSET_OUT_OF_RANGE',
  );
  const dirs = await admin.describeLogDirs([{ topic, partitions: [0, 1] }]);
  assert.equal(dirs.length, 1);
  assert.equal(dirs[0]!.logDir, tb.dataDir);
  assert.deepEqual(dirs[0]!.partitions.map((p) => [p.partition, p.size > 0]).sort(), [
    [0, true],
    [1, true],
  ]);
});

test('describeCluster', async () => {
  const c = await admin.describeCluster();
  assert.equal(c.controllerId, 0);
  assert.deepEqual(
    c.brokers.map((b) => [b.nodeId, b.port]),
    [[0, tb.port]],
  );
  assert.ok(c.clusterId);
});
