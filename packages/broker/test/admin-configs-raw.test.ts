/**
 * Config APIs over a raw connection: IncrementalAlterConfigs (v0-1) on topics and dynamic broker
 * configs, with errors, validate-only and a restart; DescribeConfigs v0-4 with synonyms,
 * config types, documentation and resource errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import {
  APPEND,
  BROKER,
  BROKER_LOGGER,
  createTopic as createTopicOn,
  DELETE,
  describeConfigs,
  incrementalAlter,
  SET,
  SUBTRACT,
  TOPIC,
} from './support/admin-requests.js';
import { RawClient } from './support/raw-client.js';

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

const createTopic = (name: string, numPartitions = 1, records = 0) =>
  createTopicOn(raw, tb.bootstrap, name, numPartitions, records);

const valueOf = async (topic: string, key: string) =>
  (await describeConfigs(raw, TOPIC, topic, [key])).configs[0]?.value;

test('IncrementalAlterConfigs SET, APPEND, SUBTRACT and DELETE on topic overrides', async () => {
  await createTopic('inc');
  for (const version of [0, 1]) {
    let res = await incrementalAlter(
      raw,
      TOPIC,
      'inc',
      [
        ['retention.ms', SET, '60000'],
        ['cleanup.policy', APPEND, 'compact'],
      ],
      false,
      version,
    );
    assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE, res.responses[0]?.errorMessage ?? '');
    assert.deepEqual(tb.broker.metadata.topic('inc')?.configs, {
      'retention.ms': '60000',
      'cleanup.policy': 'delete,compact',
    });
    res = await incrementalAlter(
      raw,
      TOPIC,
      'inc',
      [
        ['cleanup.policy', SUBTRACT, 'delete'],
        ['retention.ms', DELETE, null],
      ],
      false,
      version,
    );
    assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual(tb.broker.metadata.topic('inc')?.configs, { 'cleanup.policy': 'compact' });
    assert.equal(tb.broker.replicas.partition('inc', 0)?.log.config.cleanupPolicy.delete, false);
    res = await incrementalAlter(raw, TOPIC, 'inc', [['cleanup.policy', DELETE, null]], false, version);
    assert.deepEqual(tb.broker.metadata.topic('inc')?.configs, {});
  }
  assert.equal(await valueOf('inc', 'retention.ms'), String(7 * 24 * 3600 * 1000));
});

test('IncrementalAlterConfigs errors, and validateOnly changes nothing', async () => {
  await createTopic('inc-errors');
  const cases: [number, string, [string, number, string | null][], number][] = [
    [TOPIC, 'inc-errors', [['retention.ms', APPEND, '5']], ErrorCode.INVALID_CONFIG],
    [TOPIC, 'inc-errors', [['retention.ms', SET, 'later']], ErrorCode.INVALID_CONFIG],
    [TOPIC, 'inc-errors', [['cleanup.policy', SUBTRACT, 'delete']], ErrorCode.INVALID_CONFIG],
    [TOPIC, 'inc-errors', [['no.such.config', SET, '1']], ErrorCode.INVALID_CONFIG],
    [TOPIC, 'inc-errors', [['retention.ms', SET, null]], ErrorCode.INVALID_REQUEST],
    [
      TOPIC,
      'inc-errors',
      [
        ['retention.ms', SET, '1'],
        ['retention.ms', SET, '2'],
      ],
      ErrorCode.INVALID_REQUEST,
    ],
    [TOPIC, 'inc-errors', [['retention.ms', 9, '1']], ErrorCode.INVALID_REQUEST],
    [TOPIC, 'no-such-topic', [['retention.ms', SET, '1']], ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [BROKER, '0', [['listeners', SET, 'PLAINTEXT://:1']], ErrorCode.INVALID_CONFIG],
    [BROKER, '0', [['log.segment.bytes', SET, '3']], ErrorCode.INVALID_CONFIG],
    [BROKER, '0', [['log.retention.ms', APPEND, '3']], ErrorCode.INVALID_CONFIG],
    [BROKER, '3', [['log.retention.ms', SET, '3']], ErrorCode.INVALID_REQUEST],
    [BROKER_LOGGER, '0', [['root', SET, 'DEBUG']], ErrorCode.INVALID_REQUEST],
  ];
  for (const [type, name, configs, errorCode] of cases) {
    const res = await incrementalAlter(raw, type, name, configs);
    assert.equal(res.responses[0]?.errorCode, errorCode, `${name} ${JSON.stringify(configs)}`);
    assert.ok(res.responses[0]?.errorMessage, 'an error message');
  }
  const dup = await raw.request(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [0, 1].map(() => ({ resourceType: TOPIC, resourceName: 'inc-errors', configs: [] })),
    validateOnly: false,
  });
  assert.deepEqual(
    dup.responses.map((r) => r.errorCode),
    [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
  );

  let res = await incrementalAlter(raw, TOPIC, 'inc-errors', [['segment.ms', SET, '1000']], true);
  assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE);
  res = await incrementalAlter(raw, BROKER, '', [['log.segment.bytes', SET, '1000000']], true);
  assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE);
  assert.deepEqual(tb.broker.metadata.topic('inc-errors')?.configs, {});
  assert.deepEqual(tb.broker.metadata.brokerConfigs(), {});
});

test('IncrementalAlterConfigs on dynamic broker configs, seen by DescribeConfigs; they survive a restart', async () => {
  await createTopic('dyn');
  let res = await incrementalAlter(raw, BROKER, '0', [
    ['log.retention.ms', SET, '86400000'],
    ['log.cleanup.policy', APPEND, 'compact'],
  ]);
  assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE, res.responses[0]?.errorMessage ?? '');
  assert.equal(await valueOf('dyn', 'retention.ms'), '86400000');
  assert.equal(await valueOf('dyn', 'cleanup.policy'), 'delete,compact');
  const cluster = await describeConfigs(raw, BROKER, '');
  assert.deepEqual(cluster.configs.map((c) => [c.name, c.value, c.configSource]).sort(), [
    ['log.cleanup.policy', 'delete,compact', 3],
    ['log.retention.ms', '86400000', 3],
  ]);

  await raw.close();
  tb = await tb.restart();
  raw = await RawClient.connect(tb.port);
  assert.equal(await valueOf('dyn', 'retention.ms'), '86400000');
  assert.equal(tb.broker.replicas.partition('dyn', 0)?.log.config.retentionMs, 86400000);
  res = await incrementalAlter(raw, BROKER, '', [
    ['log.retention.ms', DELETE, null],
    ['log.cleanup.policy', DELETE, null],
  ]);
  assert.equal(res.responses[0]?.errorCode, ErrorCode.NONE);
  assert.deepEqual(tb.broker.metadata.brokerConfigs(), {});
  assert.equal(await valueOf('dyn', 'cleanup.policy'), 'delete');
});

test('DescribeConfigs at every version: synonyms, types, documentation, isDefault; resource errors', async () => {
  await createTopic('desc');
  await incrementalAlter(raw, TOPIC, 'desc', [['retention.ms', SET, '5000']]);
  for (let version = 0; version <= 4; version++) {
    const result = await describeConfigs(raw, TOPIC, 'desc', ['retention.ms', 'cleanup.policy'], version);
    assert.equal(result.errorCode, ErrorCode.NONE);
    const byName = new Map(result.configs.map((c) => [c.name, c]));
    const retention = byName.get('retention.ms')!;
    const cleanup = byName.get('cleanup.policy')!;
    assert.equal(retention.value, '5000');
    if (version === 0) {
      assert.equal(retention.isDefault, false);
      assert.equal(cleanup.isDefault, true);
      continue;
    }
    assert.equal(retention.configSource, 1);
    // As in Kafka: log.retention.ms has no default, so no broker synonym follows the override.
    assert.deepEqual(
      retention.synonyms.map((s) => [s.name, s.source]),
      [['retention.ms', 1]],
    );
    if (version >= 3) {
      assert.equal(retention.configType, 5); // LONG
      assert.equal(cleanup.configType, 7); // LIST
      assert.ok(retention.documentation && retention.documentation.length > 0);
    }
  }
  const noExtras = await raw.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC, resourceName: 'desc', configurationKeys: ['retention.ms'] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.deepEqual(noExtras.results[0]?.configs[0]?.synonyms, []);
  assert.equal(noExtras.results[0]?.configs[0]?.documentation, null);

  const broker = await describeConfigs(raw, BROKER, '0', ['message.max.bytes', 'node.id', 'auto.create.topics.enable']);
  assert.deepEqual(broker.configs.map((c) => [c.name, c.readOnly, c.configType]).sort(), [
    ['auto.create.topics.enable', true, 1],
    ['message.max.bytes', false, 3],
    ['node.id', true, 3],
  ]);
  const errors: [number, string, number][] = [
    [TOPIC, 'no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [TOPIC, 'bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    [BROKER, '1', ErrorCode.INVALID_REQUEST],
    [BROKER, 'zero', ErrorCode.INVALID_REQUEST],
    [BROKER_LOGGER, '0', ErrorCode.INVALID_REQUEST],
    [99, 'x', ErrorCode.INVALID_REQUEST],
  ];
  for (const [type, name, errorCode] of errors) {
    const result = await describeConfigs(raw, type, name);
    assert.equal(result.errorCode, errorCode, `${type} ${name}`);
    assert.deepEqual(result.configs, []);
  }
});
