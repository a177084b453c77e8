/**
 * The admin APIs through kafkajs's admin client against a real broker: CreatePartitions,
 * DescribeConfigs, AlterConfigs (topic and broker resources), DeleteRecords, with their errors,
 * validate-only requests, and everything surviving a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Admin, type ConfigResourceTypes } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';

let tb: TestBroker;
let admin: Admin;
let kafka: Kafka;

// kafkajs's enum is not visible to ES module named imports.
const TOPIC = 2 as ConfigResourceTypes;
const BROKER = 4 as ConfigResourceTypes;

const client = (bootstrap: string): Kafka =>
  new Kafka({ brokers: [bootstrap], clientId: 'admin-apis', logLevel: logLevel.NOTHING, retry: { retries: 0 } });

before(async () => {
  tb = await startTestBroker();
  kafka = client(tb.bootstrap);
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin.disconnect();
  await tb.stop();
});

/** The Kafka error name a kafkajs failure carries (it is sometimes wrapped). */
function kafkaError(err: unknown): string | undefined {
  const e = err as { type?: string; originalError?: { type?: string }; cause?: { type?: string } };
  return e.type ?? e.originalError?.type ?? e.cause?.type;
}

const rejectsWith = (promise: Promise<unknown>, type: string) =>
  assert.rejects(promise, (err) => {
    assert.equal(kafkaError(err), type, String(err));
    return true;
  });

async function createTopic(topic: string, numPartitions = 1, configEntries: { name: string; value: string }[] = []) {
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }] }), true);
}

async function produce(topic: string, count: number, partition = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition }));
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

async function topicConfigs(topic: string, names?: string[]) {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: TOPIC, name: topic, ...(names ? { configNames: names } : {}) }],
    includeSynonyms: false,
  });
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
}

async function brokerConfigs() {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: BROKER, name: String(tb.broker.config.nodeId) }],
    includeSynonyms: true,
  });
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
}

const partitionCount = async (topic: string) => (await admin.fetchTopicOffsets(topic)).length;

test('CreatePartitions grows a topic; the new partitions take records', async () => {
  await createTopic('grow', 1);
  await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
  assert.equal(await partitionCount('grow'), 3);
  assert.equal(tb.broker.metadata.topic('grow')?.partitions.length, 3);
  await produce('grow', 5, 2);
  const offsets = await admin.fetchTopicOffsets('grow');
  assert.equal(offsets.find((o) => o.partition === 2)?.high, '5');
  await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 4, assignments: [[0]] }] });
  assert.equal(await partitionCount('grow'), 4);
});

test('CreatePartitions errors: not larger, unknown topic, bad assignment; validateOnly changes nothing', async () => {
  await createTopic('grow-errors', 2);
  await rejectsWith(
    admin.createPartitions({ topicPartitions: [{ topic: 'grow-errors', count: 1 }] }),
    'INVALID_PARTITIONS',
  );
  await rejectsWith(
    admin.createPartitions({ topicPartitions: [{ topic: 'grow-errors', count: 2 }] }),
    'INVALID_PARTITIONS',
  );
  await rejectsWith(
    admin.createPartitions({ topicPartitions: [{ topic: 'no-such-topic', count: 4 }] }),
    'UNKNOWN_TOPIC_OR_PARTITION',
  );
  for (const assignments of [[[7]], [[0], [0]], [[0, 0]]])
    await rejectsWith(
      admin.createPartitions({ topicPartitions: [{ topic: 'grow-errors', count: 3, assignments }] }),
      'INVALID_REPLICA_ASSIGNMENT',
    );
  await admin.createPartitions({ topicPartitions: [{ topic: 'grow-errors', count: 5 }], validateOnly: true });
  assert.equal(await partitionCount('grow-errors'), 2);
});

test('DescribeConfigs on a topic: all configs or the ones named, with values and sources', async () => {
  await createTopic('described', 1, [{ name: 'retention.ms', value: '3600000' }]);
  const all = await topicConfigs('described');
  assert.ok(all.size >= 10, `only ${all.size} configs`);
  const retention = all.get('retention.ms')!;
  assert.equal(retention.configValue, '3600000');
  assert.equal(retention.configSource, 1); // DYNAMIC_TOPIC_CONFIG
  assert.equal(retention.isDefault, false);
  const cleanup = all.get('cleanup.policy')!;
  assert.equal(cleanup.configValue, 'delete');
  assert.equal(cleanup.configSource, 5); // DEFAULT_CONFIG
  assert.equal(cleanup.readOnly, false);
  assert.equal(cleanup.isSensitive, false);

  const some = await topicConfigs('described', ['segment.bytes', 'max.message.bytes', 'no.such.config']);
  assert.deepEqual([...some.keys()].sort(), ['max.message.bytes', 'segment.bytes']);
  await rejectsWith(topicConfigs('no-such-topic'), 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('DescribeConfigs on the broker: every setting, dynamic ones writable, others read-only', async () => {
  const configs = await brokerConfigs();
  assert.equal(configs.get('log.retention.ms')?.readOnly, false);
  assert.equal(configs.get('node.id')?.readOnly, true);
  assert.equal(configs.get('node.id')?.configValue, '0');
  assert.equal(configs.get('log.dirs')?.configValue, tb.dataDir);
  assert.equal(configs.get('log.dirs')?.configSource, 4); // STATIC_BROKER_CONFIG
  assert.equal(configs.get('num.partitions')?.configSource, 5); // DEFAULT_CONFIG
  await assert.rejects(admin.describeConfigs({ resources: [{ type: BROKER, name: '42' }], includeSynonyms: false }));
});

test('AlterConfigs replaces the whole set of topic overrides', async () => {
  await createTopic('altered', 1, [{ name: 'retention.ms', value: '1000' }]);
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: TOPIC,
        name: 'altered',
        configEntries: [
          { name: 'segment.ms', value: '60000' },
          { name: 'cleanup.policy', value: 'compact,delete' },
        ],
      },
    ],
  });
  assert.deepEqual(tb.broker.metadata.topic('altered')?.configs, {
    'segment.ms': '60000',
    'cleanup.policy': 'compact,delete',
  });
  const configs = await topicConfigs('altered');
  assert.equal(configs.get('segment.ms')?.configValue, '60000');
  assert.equal(configs.get('retention.ms')?.configSource, 5, 'retention.ms override was removed');
  assert.equal(tb.broker.replicas.partition('altered', 0)?.log.config.cleanupPolicy.compact, true);
});

test('AlterConfigs errors: unknown config, bad value, unknown topic, read-only broker config; validateOnly', async () => {
  await createTopic('alter-errors', 1, [{ name: 'retention.ms', value: '1000' }]);
  const alter = (type: ConfigResourceTypes, name: string, entries: Record<string, string>, validateOnly = false) =>
    admin.alterConfigs({
      validateOnly,
      resources: [{ type, name, configEntries: Object.entries(entries).map(([n, value]) => ({ name: n, value })) }],
    });
  await rejectsWith(alter(TOPIC, 'alter-errors', { 'no.such.config': '1' }), 'INVALID_CONFIG');
  await rejectsWith(alter(TOPIC, 'alter-errors', { 'retention.ms': 'soon' }), 'INVALID_CONFIG');
  await rejectsWith(alter(TOPIC, 'alter-errors', { 'cleanup.policy': 'shred' }), 'INVALID_CONFIG');
  await rejectsWith(alter(TOPIC, 'alter-errors', { 'min.insync.replicas': '0' }), 'INVALID_CONFIG');
  await rejectsWith(alter(TOPIC, 'no-such-topic', { 'retention.ms': '5' }), 'UNKNOWN_TOPIC_OR_PARTITION');
  await rejectsWith(alter(BROKER, '0', { 'num.partitions': '3' }), 'INVALID_CONFIG');
  await rejectsWith(alter(BROKER, '0', { 'log.retention.ms': '-7' }), 'INVALID_CONFIG');
  await rejectsWith(alter(BROKER, '0', { 'no.such.config': '1' }), 'INVALID_CONFIG');

  await alter(TOPIC, 'alter-errors', { 'retention.ms': '99' }, true);
  await alter(BROKER, '0', { 'log.retention.ms': '99' }, true);
  assert.deepEqual(tb.broker.metadata.topic('alter-errors')?.configs, { 'retention.ms': '1000' });
  assert.deepEqual(tb.broker.metadata.brokerConfigs(), {});
});

test('DeleteRecords moves the low watermark; -1 means the high watermark; beyond it is refused', async () => {
  await createTopic('trim', 1);
  await produce('trim', 10);
  await admin.fetchTopicOffsets('trim'); // kafkajs's deleteTopicRecords needs the topic's metadata loaded
  await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '4' }] });
  let [offsets] = await admin.fetchTopicOffsets('trim');
  assert.equal(offsets?.low, '4');
  assert.equal(offsets?.high, '10');
  // Below the current low watermark: nothing changes.
  await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '2' }] });
  assert.equal((await admin.fetchTopicOffsets('trim'))[0]?.low, '4');

  await assert.rejects(
    admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '11' }] }),
    (err: { cause?: { partitions?: { error: unknown }[] } }) => {
      assert.equal(kafkaError(err.cause?.partitions?.[0]?.error), 'OFFSET_OUT_OF_RANGE');
      return true;
    },
  );
  await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '-1' }] });
  [offsets] = await admin.fetchTopicOffsets('trim');
  assert.equal(offsets?.low, '10');
  await produce('trim', 3);
  assert.equal((await admin.fetchTopicOffsets('trim'))[0]?.high, '13');
});

test('topic overrides, dynamic broker configs, partition counts and log start offsets survive a restart', async () => {
  await createTopic('durable', 1, [{ name: 'retention.ms', value: '7000' }]);
  await produce('durable', 6);
  await admin.createPartitions({ topicPartitions: [{ topic: 'durable', count: 2 }] });
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: TOPIC,
        name: 'durable',
        configEntries: [{ name: 'max.message.bytes', value: '500000' }],
      },
      {
        type: BROKER,
        name: '0',
        configEntries: [{ name: 'log.retention.bytes', value: '123456789' }],
      },
    ],
  });
  await admin.fetchTopicOffsets('durable');
  await admin.deleteTopicRecords({ topic: 'durable', partitions: [{ partition: 0, offset: '5' }] });
  // The broker-wide default applies to topics without their own value at once.
  assert.equal((await topicConfigs('durable')).get('retention.bytes')?.configValue, '123456789');

  await admin.disconnect();
  tb = await tb.restart();
  kafka = client(tb.bootstrap);
  admin = kafka.admin();
  await admin.connect();

  const configs = await topicConfigs('durable');
  assert.equal(configs.get('max.message.bytes')?.configValue, '500000');
  assert.equal(configs.get('max.message.bytes')?.configSource, 1);
  assert.equal(configs.get('retention.ms')?.configSource, 5, 'AlterConfigs removed the retention.ms override');
  assert.equal(configs.get('retention.bytes')?.configValue, '123456789');
  assert.equal(configs.get('retention.bytes')?.configSource, 3); // DYNAMIC_DEFAULT_BROKER_CONFIG
  const broker = await brokerConfigs();
  assert.equal(broker.get('log.retention.bytes')?.configValue, '123456789');
  assert.equal(broker.get('log.retention.bytes')?.configSource, 3);
  assert.equal(tb.broker.replicas.partition('durable', 0)?.log.config.retentionBytes, 123456789);
  const offsets = await admin.fetchTopicOffsets('durable');
  assert.equal(offsets.length, 2);
  assert.equal(offsets.find((o) => o.partition === 0)?.low, '5');
  assert.equal(offsets.find((o) => o.partition === 0)?.high, '6');
});
