/**
 * The cluster on a three-node ZooKeeper ensemble: with one ZooKeeper node killed the brokers keep
 * their sessions (the ensemble still has a quorum), produce and consume go on, and a broker
 * failure is still handled by the controller.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, zookeeperInstalled, type TestCluster } from '@gregor/broker/testing';
import { Producer } from '@gregor/client';
import { createTopic, describe, liveBootstrap, lostAndDuplicated, readAll, waitFor } from './support.js';

const SESSION_MS = 6000;
const skip = !zookeeperInstalled() ? 'Debian zookeeper is not installed (.ci/run installs it)' : false;
let cluster: TestCluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ brokers: 3, zookeeperNodes: 3, sessionTimeoutMs: SESSION_MS });
});
after(async () => {
  await cluster?.stop();
});

test(
  'one of three ZooKeeper nodes killed: the cluster keeps working and still handles a broker failure',
  { skip, timeout: 180_000 },
  async () => {
    const topic = 'ensemble';
    await createTopic(cluster, topic, 3, 3, { 'min.insync.replicas': '2' });
    await cluster.zookeeper.kill(0);
    const values = Array.from({ length: 300 }, (_, i) => `v${i}`);
    const producer = new Producer({ brokers: liveBootstrap(cluster) });
    try {
      await Promise.all(values.slice(0, 150).map((v) => producer.send({ topic, value: v })));
      // Sessions survive the lost ZooKeeper node: no broker drops out of the cluster.
      await new Promise((r) => setTimeout(r, SESSION_MS + 2000));
      await cluster.waitForMembership(10_000);
      const victim = (await describe(cluster, topic)).partitions[0]!.leader;
      await cluster.kill(victim);
      await waitFor(
        'new leaders after a broker failure, with one ZooKeeper node down',
        async () => {
          const d = await describe(cluster, topic);
          return d.partitions.every((p) => p.leader >= 0 && p.leader !== victim) ? d : undefined;
        },
        SESSION_MS + 20_000,
      );
      await Promise.all(values.slice(150).map((v) => producer.send({ topic, value: v })));
    } finally {
      await producer.close();
    }
    const { lost, duplicated } = lostAndDuplicated(values, await readAll(cluster, topic));
    assert.deepEqual(lost, []);
    assert.deepEqual(duplicated, []);
  },
);
