/**
 * The admin client's cluster calls against a real single broker (node id 3, so that "the
 * controller" is not just a default 0): describeCluster, topic descriptions with replicas and
 * ISR, and the controller APIs this broker does not serve yet (ElectLeaders,
 * AlterPartitionReassignments, ListPartitionReassignments), which must fail with an
 * UnsupportedVersionError naming the API rather than anything less clear.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { Admin, UnsupportedVersionError } from '../src/index.js';
import { uniqueTopic } from './support/helpers.js';

let tb: TestBroker;
let admin: Admin;

before(async () => {
  tb = await startTestBroker({ 'broker.id': '3' });
  admin = new Admin({ brokers: [tb.bootstrap] });
  await admin.connect();
});
after(async () => {
  await admin.close();
  await tb.stop();
});

test('describeCluster names the one broker, its address and the controller', async () => {
  const c = await admin.describeCluster();
  assert.equal(c.controllerId, 3);
  assert.ok(c.clusterId && c.clusterId.length > 0);
  assert.deepEqual(c.brokers, [{ nodeId: 3, host: '127.0.0.1', port: tb.port, rack: null }]);
});

test('describeTopics reports leader, epoch, replicas, ISR and offline replicas; null describes every topic', async () => {
  const topic = uniqueTopic('describe');
  await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }]);
  const [t] = await admin.describeTopics([topic]);
  assert.deepEqual(
    t!.partitions.map((p) => ({ ...p, leaderEpoch: p.leaderEpoch >= 0 })),
    [0, 1].map((partition) => ({
      partition,
      leader: 3,
      leaderEpoch: true,
      replicas: [3],
      isr: [3],
      offlineReplicas: [],
    })),
  );
  const all = await admin.describeTopics(null);
  assert.deepEqual(
    all.find((d) => d.topic === topic),
    t,
  );
  await admin.deleteTopics([topic]);
});

const unsupported = (apiKey: number, name: string) => (e: unknown) =>
  e instanceof UnsupportedVersionError &&
  e.api?.key === apiKey &&
  e.api.name === name &&
  e.name === 'UNSUPPORTED_VERSION' &&
  e.message === `${tb.bootstrap}: the broker does not support ${name} (API ${apiKey})`;

test('controller APIs the broker does not serve fail with UnsupportedVersionError naming the API', async () => {
  const topic = uniqueTopic('elect');
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  await assert.rejects(
    admin.electLeaders({ type: 'preferred', partitions: [{ topic, partition: 0 }] }),
    unsupported(ApiKey.ElectLeaders, 'ElectLeaders'),
  );
  await assert.rejects(admin.electLeaders({ type: 'unclean' }), unsupported(ApiKey.ElectLeaders, 'ElectLeaders'));
  await assert.rejects(
    admin.alterPartitionReassignments([{ topic, partition: 0, replicas: [3] }]),
    unsupported(ApiKey.AlterPartitionReassignments, 'AlterPartitionReassignments'),
  );
  await assert.rejects(
    admin.listPartitionReassignments(),
    unsupported(ApiKey.ListPartitionReassignments, 'ListPartitionReassignments'),
  );
  // The client stays usable afterwards.
  assert.equal((await admin.describeTopics([topic]))[0]!.partitions.length, 1);
  await admin.deleteTopics([topic]);
});
