/**
 * Kafka's whole topic config list: what Kafka 2.x clients send is accepted (kafka-python's
 * CreateTopics and AlterConfigs), DescribeConfigs lists every config with Kafka's default, type,
 * documentation and synonyms (ConfigHelper's rules, including the static and dynamic broker
 * defaults), and bad values are refused with Kafka's wording.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { findPython, run } from '@gregor/testkit/interop';
import { BROKER, describeConfigs, incrementalAlter, SET, TOPIC } from './support/admin-requests.js';
import { RawClient } from './support/raw-client.js';

/** Kafka 3.7's topic configs and their defaults. */
const KAFKA_DEFAULTS: Record<string, string> = {
  'cleanup.policy': 'delete',
  'compression.type': 'producer',
  'delete.retention.ms': '86400000',
  'file.delete.delay.ms': '60000',
  'flush.messages': '9223372036854775807',
  'flush.ms': '9223372036854775807',
  'follower.replication.throttled.replicas': '',
  'index.interval.bytes': '4096',
  'leader.replication.throttled.replicas': '',
  'local.retention.bytes': '-2',
  'local.retention.ms': '-2',
  'max.compaction.lag.ms': '9223372036854775807',
  'max.message.bytes': '1048588',
  'message.downconversion.enable': 'true',
  'message.format.version': '3.0-IV1',
  'message.timestamp.after.max.ms': '9223372036854775807',
  'message.timestamp.before.max.ms': '9223372036854775807',
  'message.timestamp.difference.max.ms': '9223372036854775807',
  'message.timestamp.type': 'CreateTime',
  'min.cleanable.dirty.ratio': '0.5',
  'min.compaction.lag.ms': '0',
  'min.insync.replicas': '1',
  preallocate: 'false',
  'remote.storage.enable': 'false',
  'retention.bytes': '-1',
  'retention.ms': '604800000',
  'segment.bytes': '1073741824',
  'segment.index.bytes': '10485760',
  'segment.jitter.ms': '0',
  'segment.ms': '604800000',
  'unclean.leader.election.enable': 'false',
};

const [DYNAMIC_TOPIC, DYNAMIC_DEFAULT, STATIC, DEFAULT] = [1, 3, 4, 5];

let tb: TestBroker;
let raw: RawClient;

before(async () => {
  tb = await startTestBroker();
  raw = await RawClient.connect(tb.port);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

async function createTopic(name: string, configs: Record<string, string> = {}, validateOnly = false) {
  const res = await raw.request(ApiKey.CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
      },
    ],
    timeoutMs: 5000,
    validateOnly,
  });
  return res.topics[0]!;
}

const synonymsOf = (c: { synonyms: { name: string; value: string | null; source: number }[] }) =>
  c.synonyms.map((s) => [s.name, s.value, s.source]);

test('DescribeConfigs lists every Kafka topic config with its default, type and documentation', async () => {
  assert.equal((await createTopic('all-defaults')).errorCode, ErrorCode.NONE);
  const result = await describeConfigs(raw, TOPIC, 'all-defaults');
  const byName = new Map(result.configs.map((c) => [c.name, c]));
  assert.deepEqual([...byName.keys()].sort(), Object.keys(KAFKA_DEFAULTS).sort());
  for (const [name, value] of Object.entries(KAFKA_DEFAULTS)) {
    const c = byName.get(name)!;
    assert.equal(c.value, value, name);
    assert.equal(c.configSource, DEFAULT, name);
    assert.equal(c.readOnly, false, name);
    assert.ok((c.documentation ?? '').length > 20, `${name} is documented`);
  }
  const types = Object.fromEntries(result.configs.map((c) => [c.name, c.configType]));
  assert.equal(types['min.cleanable.dirty.ratio'], 6); // DOUBLE
  assert.equal(types['unclean.leader.election.enable'], 1); // BOOLEAN
  assert.equal(types['leader.replication.throttled.replicas'], 7); // LIST
  assert.equal(types['segment.bytes'], 3); // INT
  assert.equal(types['message.format.version'], 2); // STRING
  assert.equal(types['segment.jitter.ms'], 5); // LONG

  // ConfigHelper's synonyms: only broker settings with a value, from the one Kafka reads first on.
  assert.deepEqual(synonymsOf(byName.get('retention.ms')!), []);
  assert.deepEqual(synonymsOf(byName.get('segment.ms')!), []);
  assert.deepEqual(synonymsOf(byName.get('flush.ms')!), []);
  assert.deepEqual(synonymsOf(byName.get('remote.storage.enable')!), []);
  assert.deepEqual(synonymsOf(byName.get('cleanup.policy')!), [['log.cleanup.policy', 'delete', DEFAULT]]);
  assert.deepEqual(synonymsOf(byName.get('max.message.bytes')!), [['message.max.bytes', '1048588', DEFAULT]]);
  assert.deepEqual(synonymsOf(byName.get('min.cleanable.dirty.ratio')!), [
    ['log.cleaner.min.cleanable.ratio', '0.5', DEFAULT],
  ]);
  assert.deepEqual(synonymsOf(byName.get('message.format.version')!), [
    ['log.message.format.version', '3.0-IV1', DEFAULT],
  ]);
});

test('overrides are printed as Kafka parses them and listed first among the synonyms', async () => {
  const configs = {
    'min.cleanable.dirty.ratio': '1',
    'unclean.leader.election.enable': 'TRUE',
    'segment.jitter.ms': '0100',
    'follower.replication.throttled.replicas': '0:0, 1:0',
  };
  assert.equal((await createTopic('printed', configs)).errorCode, ErrorCode.NONE);
  const result = await describeConfigs(raw, TOPIC, 'printed', Object.keys(configs));
  const values = Object.fromEntries(result.configs.map((c) => [c.name, [c.value, c.configSource]]));
  assert.deepEqual(values, {
    'min.cleanable.dirty.ratio': ['1.0', DYNAMIC_TOPIC],
    'unclean.leader.election.enable': ['true', DYNAMIC_TOPIC],
    'segment.jitter.ms': ['100', DYNAMIC_TOPIC],
    'follower.replication.throttled.replicas': ['0:0,1:0', DYNAMIC_TOPIC],
  });
  const unclean = result.configs.find((c) => c.name === 'unclean.leader.election.enable')!;
  assert.deepEqual(synonymsOf(unclean), [
    ['unclean.leader.election.enable', 'true', DYNAMIC_TOPIC],
    ['unclean.leader.election.enable', 'false', DEFAULT],
  ]);
});

test('bad values are refused with INVALID_CONFIG in Kafka words, and nothing is created', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { 'compression.type': 'brotli' },
      /Invalid value brotli for configuration compression.type: String must be one of/,
    ],
    [{ 'min.cleanable.dirty.ratio': '1.5' }, /min.cleanable.dirty.ratio: Value must be no more than 1/],
    [{ 'min.cleanable.dirty.ratio': 'half' }, /Not a number of type DOUBLE/],
    [{ 'remote.storage.enable': 'true' }, /Tiered Storage functionality is disabled/],
    [{ 'message.format.version': 'banana' }, /message.format.version/],
    [{ 'leader.replication.throttled.replicas': 'all' }, /\[partitionId\]:\[brokerId\]/],
    [{ 'unclean.leader.election.enable': 'maybe' }, /either true or false/],
    [{ 'local.retention.ms': '-3' }, /Value must be at least -2/],
    [{ 'max.compaction.lag.ms': '0' }, /Value must be at least 1/],
    [{ 'min.compaction.lag.ms': '5000', 'max.compaction.lag.ms': '1000' }, /min.compaction.lag.ms \(5000\) > max/],
    [{ 'message.timestamp.type': 'Now' }, /CreateTime, LogAppendTime/],
    [{ 'no.such.config': '1' }, /Unknown topic config name: no.such.config/],
  ];
  for (const [configs, message] of cases) {
    const res = await createTopic('refused', configs);
    assert.equal(res.errorCode, ErrorCode.INVALID_CONFIG, JSON.stringify(configs));
    assert.match(res.errorMessage ?? '', message);
  }
  assert.equal(tb.broker.metadata.topic('refused'), undefined);
  const alter = await incrementalAlter(raw, TOPIC, 'all-defaults', [['compression.type', SET, 'brotli']]);
  assert.equal(alter.responses[0]?.errorCode, ErrorCode.INVALID_CONFIG);
});

const { python, skip } = findPython('kafka');

const KAFKA_PYTHON_SCRIPT = `
import json, sys
from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
admin.create_topics([NewTopic('py-configs', 1, 1, topic_configs={
    'message.timestamp.difference.max.ms': '3600000',
    'compression.type': 'lz4',
    'message.format.version': '2.8',
})])
# AlterConfigs (the legacy, whole-set API) as Kafka 2.x tools send it.
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'py-configs', configs={
    'message.format.version': '2.8-IV1',
    'message.timestamp.difference.max.ms': '3600000',
    'compression.type': 'lz4',
    'unclean.leader.election.enable': 'true',
})])
res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'py-configs')])
entries = res[0].resources[0][4]
print(json.dumps({e[0]: e[1] for e in entries}))
admin.close()
`;

test('kafka-python (a Kafka 2.x client): CreateTopics and AlterConfigs with 2.x-era configs', { skip }, async () => {
  const result = await run(python!, ['-c', KAFKA_PYTHON_SCRIPT, tb.bootstrap], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  const described = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, string>;
  assert.equal(described['message.format.version'], '2.8-IV1');
  assert.equal(described['message.timestamp.difference.max.ms'], '3600000');
  assert.equal(described['compression.type'], 'lz4');
  assert.equal(described['unclean.leader.election.enable'], 'true');
  assert.equal(Object.keys(described).length, Object.keys(KAFKA_DEFAULTS).length);
  assert.deepEqual(tb.broker.metadata.topic('py-configs')?.configs, {
    'message.format.version': '2.8-IV1',
    'message.timestamp.difference.max.ms': '3600000',
    'compression.type': 'lz4',
    'unclean.leader.election.enable': 'true',
  });
});

test('static and dynamic broker defaults appear as synonyms in Kafka order', async () => {
  const other = await startTestBroker({
    'log.retention.ms': '3600000',
    'compression.type': 'gzip',
    'log.roll.hours': '2',
    'log.cleaner.min.cleanable.ratio': '0.25',
  });
  const client = await RawClient.connect(other.port);
  try {
    const created = await client.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: 'static', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    const describe = async () =>
      new Map(
        (await describeConfigs(client, TOPIC, 'static')).configs.map((c) => [
          c.name,
          [c.value, c.configSource, synonymsOf(c)] as const,
        ]),
      );
    let configs = await describe();
    assert.deepEqual(configs.get('retention.ms'), [
      '3600000',
      STATIC,
      [
        ['log.retention.ms', '3600000', STATIC],
        ['log.retention.hours', '168', DEFAULT],
      ],
    ]);
    assert.deepEqual(configs.get('compression.type'), [
      'gzip',
      STATIC,
      [
        ['compression.type', 'gzip', STATIC],
        ['compression.type', 'producer', DEFAULT],
      ],
    ]);
    // As in Kafka: log.roll.ms has no value, so its hours alias is not reported (the value is).
    assert.deepEqual(configs.get('segment.ms'), ['7200000', DEFAULT, []]);
    assert.equal(other.broker.replicas.partition('static', 0)?.log.config.minCleanableDirtyRatio, 0.25);

    const alter = await incrementalAlter(client, BROKER, '', [['log.retention.ms', SET, '7200000']]);
    assert.equal(alter.responses[0]?.errorCode, ErrorCode.NONE, alter.responses[0]?.errorMessage ?? '');
    await incrementalAlter(client, TOPIC, 'static', [['retention.ms', SET, '60000']]);
    configs = await describe();
    assert.deepEqual(configs.get('retention.ms'), [
      '60000',
      DYNAMIC_TOPIC,
      [
        ['retention.ms', '60000', DYNAMIC_TOPIC],
        ['log.retention.ms', '7200000', DYNAMIC_DEFAULT],
        ['log.retention.ms', '3600000', STATIC],
        ['log.retention.hours', '168', DEFAULT],
      ],
    ]);
  } finally {
    await client.close();
    await other.stop();
  }
});
