/**
 * The admin APIs kafkajs does not speak (or only at old versions), over a raw connection:
 * OffsetForLeaderEpoch, DescribeLogDirs, DescribeCluster, DeleteRecords v2, CreatePartitions v3,
 * and ApiVersions advertising them. Config APIs are in admin-configs-raw.test.ts.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { createTopic as createTopicOn, incrementalAlter, SET, TOPIC } from './support/admin-requests.js';
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

test('ApiVersions advertises the admin APIs at every version', async () => {
  const res = await raw.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
  const versions = new Map(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  const expected: [number, number][] = [
    [ApiKey.DeleteRecords, 2],
    [ApiKey.OffsetForLeaderEpoch, 4],
    [ApiKey.DescribeConfigs, 4],
    [ApiKey.AlterConfigs, 2],
    [ApiKey.DescribeLogDirs, 4],
    [ApiKey.CreatePartitions, 3],
    [ApiKey.IncrementalAlterConfigs, 1],
    [ApiKey.DescribeCluster, 1],
  ];
  for (const [key, max] of expected) assert.deepEqual(versions.get(key), [0, max], `api key ${key}`);
});

test('OffsetForLeaderEpoch at every version: end offsets per epoch, fencing, unknown partitions', async () => {
  await createTopic('epochs', 1, 7);
  for (let version = 0; version <= 4; version++) {
    const res = await raw.request(ApiKey.OffsetForLeaderEpoch, version, {
      replicaId: -1,
      topics: [
        {
          topic: 'epochs',
          partitions: [
            { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
            { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
            { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 },
            { partition: 5, currentLeaderEpoch: -1, leaderEpoch: 0 },
          ],
        },
        { topic: 'nope', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      ],
    });
    const [current, undefinedEpoch, fenced, badPartition] = res.topics[0]!.partitions;
    assert.equal(current?.errorCode, ErrorCode.NONE);
    assert.equal(current?.endOffset, 7n);
    assert.equal(current?.leaderEpoch, version >= 1 ? 0 : -1);
    assert.equal(undefinedEpoch?.errorCode, ErrorCode.NONE);
    assert.equal(undefinedEpoch?.endOffset, -1n);
    assert.equal(fenced?.errorCode, version >= 2 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NONE);
    assert.equal(badPartition?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(res.topics[1]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
});

test('DescribeLogDirs at every version: the data directory, partition sizes, volume space (v4)', async () => {
  await createTopic('dirs', 2, 20);
  const logDir = resolve(tb.dataDir);
  for (let version = 0; version <= 4; version++) {
    const all = await raw.request(ApiKey.DescribeLogDirs, version, { topics: null });
    assert.equal(all.errorCode, ErrorCode.NONE);
    assert.equal(all.results.length, 1);
    const dir = all.results[0]!;
    assert.equal(dir.errorCode, ErrorCode.NONE);
    assert.equal(dir.logDir, logDir);
    const dirs = dir.topics.find((t) => t.name === 'dirs');
    assert.deepEqual(
      dirs?.partitions.map((p) => p.partitionIndex),
      [0, 1],
    );
    const sizes = dirs!.partitions.map((p) => p.partitionSize);
    assert.ok(
      sizes.some((s) => s > 0n),
      `sizes ${sizes}`,
    );
    for (const p of dirs!.partitions) {
      assert.equal(p.partitionSize, BigInt(tb.broker.replicas.partition('dirs', p.partitionIndex)!.log.size));
      assert.equal(p.offsetLag, 0n);
      assert.equal(p.isFutureKey, false);
    }
    if (version >= 4) {
      assert.ok(dir.totalBytes > 0n);
      assert.ok(dir.usableBytes >= 0n && dir.usableBytes <= dir.totalBytes);
    }
    const some = await raw.request(ApiKey.DescribeLogDirs, version, {
      topics: [
        { topic: 'dirs', partitions: [1, 9] },
        { topic: 'nope', partitions: [0] },
      ],
    });
    assert.deepEqual(
      some.results[0]?.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [['dirs', [1]]],
    );
  }
});

test('DescribeCluster v0-1: brokers, controller, cluster id, authorized operations, endpoint type', async () => {
  for (const version of [0, 1]) {
    const res = await raw.request(ApiKey.DescribeCluster, version, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.equal(res.clusterId, tb.broker.clusterId);
    assert.equal(res.controllerId, 0);
    assert.deepEqual(res.brokers, [{ brokerId: 0, host: '127.0.0.1', port: tb.port, rack: null }]);
    assert.equal(res.clusterAuthorizedOperations, -2147483648);
  }
  const withOps = await raw.request(ApiKey.DescribeCluster, 1, {
    includeClusterAuthorizedOperations: true,
    endpointType: 1,
  });
  assert.ok(withOps.clusterAuthorizedOperations > 0);
  assert.ok((withOps.clusterAuthorizedOperations & (1 << 11)) !== 0, 'ALTER_CONFIGS allowed');
  const controllers = await raw.request(ApiKey.DescribeCluster, 1, {
    includeClusterAuthorizedOperations: false,
    endpointType: 2,
  });
  assert.equal(controllers.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  assert.deepEqual(controllers.brokers, []);
});

test('DeleteRecords v2 and CreatePartitions v3 over the flexible encodings', async () => {
  await createTopic('raw-trim', 1, 8);
  const res = await raw.request(ApiKey.DeleteRecords, 2, {
    topics: [
      {
        name: 'raw-trim',
        partitions: [
          { partitionIndex: 0, offset: 3n },
          { partitionIndex: 1, offset: 3n },
        ],
      },
      { name: 'nope', partitions: [{ partitionIndex: 0, offset: -1n }] },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    res.topics.map((t) => t.partitions.map((p) => [p.errorCode, p.lowWatermark])),
    [
      [
        [ErrorCode.NONE, 3n],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ],
      [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]],
    ],
  );
  const bad = await raw.request(ApiKey.DeleteRecords, 2, {
    topics: [{ name: 'raw-trim', partitions: [{ partitionIndex: 0, offset: -5n }] }],
    timeoutMs: 1000,
  });
  assert.equal(bad.topics[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(tb.broker.replicas.partition('raw-trim', 0)?.log.logStartOffset, 3);

  const grown = await raw.request(ApiKey.CreatePartitions, 3, {
    topics: [
      { name: 'raw-trim', count: 3, assignments: null },
      { name: 'nope', count: 3, assignments: null },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(
    grown.results.map((r) => [r.name, r.errorCode, r.errorMessage === null]),
    [
      ['raw-trim', ErrorCode.NONE, true],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, false],
    ],
  );
  assert.equal(tb.broker.metadata.topic('raw-trim')?.partitions.length, 3);
  const twice = await raw.request(ApiKey.CreatePartitions, 3, {
    topics: [0, 1].map(() => ({ name: 'raw-trim', count: 5, assignments: null })),
    timeoutMs: 1000,
    validateOnly: false,
  });
  assert.deepEqual(
    twice.results.map((r) => r.errorCode),
    [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
  );
});

test('DeleteRecords on a compact-only topic is a policy violation', async () => {
  await createTopic('compacted');
  await incrementalAlter(raw, TOPIC, 'compacted', [['cleanup.policy', SET, 'compact']]);
  const res = await raw.request(ApiKey.DeleteRecords, 1, {
    topics: [{ name: 'compacted', partitions: [{ partitionIndex: 0, offset: -1n }] }],
    timeoutMs: 1000,
  });
  assert.equal(res.topics[0]?.partitions[0]?.errorCode, ErrorCode.POLICY_VIOLATION);
});
