/**
 * Topic management with Kafka's rules and error codes: CreateTopics (validate-only, configs,
 * assignments), Metadata auto-creation, DeleteTopics, topic ids, and what survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let client: RawClient;
before(async () => {
  tb = await startTestBroker({ 'num.partitions': '2' });
  client = await RawClient.connect(tb.port);
});
after(async () => {
  await client.close();
  await tb.stop();
});

const create = (
  name: string,
  numPartitions = 1,
  configs: { name: string; value: string }[] = [],
  validateOnly = false,
  replicationFactor = 1,
) =>
  client
    .request(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions, replicationFactor, assignments: [], configs }],
      timeoutMs: 1000,
      validateOnly,
    })
    .then((r) => r.topics[0]!);
const metadata = (names: string[] | null, allowAutoTopicCreation = false) =>
  client.request(ApiKey.Metadata, 12, {
    topics: names === null ? null : names.map((name) => ({ name })),
    allowAutoTopicCreation,
    includeTopicAuthorizedOperations: false,
  });

test('CreateTopics validates names, counts, replication and configs with Kafka error codes', async () => {
  assert.equal((await create('bad/name')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal((await create('x'.repeat(250))).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal((await create('..')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal((await create('zero', 0)).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal((await create('rf3', 1, [], false, 3)).errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  const badConfig = await create('cfg', 1, [{ name: 'retention.ms', value: 'soon' }]);
  assert.equal(badConfig.errorCode, ErrorCode.INVALID_CONFIG);
  assert.match(badConfig.errorMessage ?? '', /retention\.ms/);
  assert.equal((await create('cfg', 1, [{ name: 'no.such.config', value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);

  const ok = await create('orders', 3, [{ name: 'retention.ms', value: '3600000' }]);
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.numPartitions, 3);
  assert.equal(ok.configs?.find((c) => c.name === 'retention.ms')?.value, '3600000');
  assert.notEqual(ok.topicId, 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal((await create('orders')).errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal((await create('orders_')).errorCode, ErrorCode.NONE);
  assert.equal((await create('orders.')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, "'.' and '_' collide");
});

test('validate-only creates nothing', async () => {
  const res = await create('dry-run', 4, [], true);
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.equal(res.numPartitions, 4);
  assert.equal((await metadata(['dry-run'])).topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('Metadata creates unknown topics only when allowed, with num.partitions', async () => {
  assert.equal((await metadata(['auto-1'], false)).topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const created = (await metadata(['auto-1'], true)).topics[0]!;
  assert.equal(created.errorCode, ErrorCode.NONE);
  assert.equal(created.partitions.length, 2);
  const p = created.partitions[0]!;
  assert.deepStrictEqual([p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes], [0, 0, [0], [0]]);
  // v0 names all topics with an empty list; v1+ with null.
  const all = await client.request(ApiKey.Metadata, 0, { topics: [] });
  assert.ok(all.topics.some((t) => t.name === 'auto-1'));
  const byId = await client.request(ApiKey.Metadata, 12, {
    topics: [{ topicId: created.topicId, name: null }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(byId.topics[0]!.name, 'auto-1');
  const full = await metadata(null);
  assert.equal(full.clusterId, tb.broker.clusterId);
  assert.deepStrictEqual(full.brokers, [{ nodeId: 0, host: '127.0.0.1', port: tb.port, rack: null }]);
  assert.equal(full.controllerId, 0);
});

test('DeleteTopics by name and by id; topics, ids and configs survive a restart', async () => {
  await create('doomed', 1);
  await create('kept', 2, [{ name: 'cleanup.policy', value: 'compact' }]);
  const kept = (await metadata(['kept'])).topics[0]!;
  const del = await client.request(ApiKey.DeleteTopics, 5, { topicNames: ['doomed', 'never-was'], timeoutMs: 1000 });
  assert.deepStrictEqual(
    del.responses.map((r) => r.errorCode),
    [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  );
  await client.close();
  tb = await tb.restart();
  client = await RawClient.connect(tb.port);
  const after = await metadata(['kept', 'doomed']);
  assert.equal(after.topics[0]!.topicId, kept.topicId);
  assert.equal(after.topics[0]!.partitions.length, 2);
  assert.equal(after.topics[1]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const configs = await client.request(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: 'kept', configurationKeys: ['cleanup.policy'] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.equal(configs.results[0]!.configs[0]!.value, 'compact');
  const byId = await client.request(ApiKey.DeleteTopics, 6, {
    topics: [{ name: null, topicId: kept.topicId }],
    timeoutMs: 1000,
  });
  assert.equal(byId.responses[0]!.errorCode, ErrorCode.NONE);
  assert.equal(byId.responses[0]!.name, 'kept');
});
