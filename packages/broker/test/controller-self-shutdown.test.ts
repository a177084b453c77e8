/**
 * Controlled shutdown of the controller's own broker and of the last broker standing, on a real
 * three-broker cluster: the controller moves its leaderships away before it stops (its listener
 * refuses new connections by then, so it must not ask itself over the network), and the last
 * broker, with nowhere to move them, stops at once instead of retrying.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCluster, zookeeperInstalled } from '@gregor/broker/testing';
import { Admin } from '@gregor/client';

const messages = (lines: string[]): string[] =>
  lines.flatMap((l) => {
    try {
      return [(JSON.parse(l) as { msg: string }).msg];
    } catch {
      return [];
    }
  });

test(
  'the controller hands its leaderships over before stopping; the last broker does not retry',
  { skip: zookeeperInstalled() ? false : 'needs ZooKeeper (apt-get install zookeeper)', timeout: 120_000 },
  async () => {
    const cluster = await startCluster({ brokers: 3 });
    try {
      const admin = new Admin({ brokers: cluster.bootstrap.split(',') });
      let controller: number;
      try {
        await admin.createTopics([{ topic: 'handover', numPartitions: 6, replicationFactor: 3 }]);
        controller = (await admin.describeCluster()).controllerId;
      } finally {
        await admin.close();
      }
      assert.equal(await cluster.terminate(controller), 0);
      const said = messages(cluster.broker(controller).runs.at(-1)!);
      assert.ok(said.includes('controlled shutdown complete: no partitions led here'), said.join('\n'));
      assert.ok(!said.some((m) => /controlled shutdown request failed/.test(m)), said.join('\n'));

      const [next, last] = cluster.brokers.filter((b) => b.id !== controller).map((b) => b.id);
      await cluster.waitForMembership();
      assert.equal(await cluster.terminate(next!), 0);
      await cluster.waitForMembership();
      const started = Date.now();
      assert.equal(await cluster.terminate(last!), 0);
      const lastSaid = messages(cluster.broker(last!).runs.at(-1)!);
      assert.ok(
        lastSaid.includes('controlled shutdown skipped: no other live broker to move leadership to'),
        lastSaid.join('\n'),
      );
      assert.ok(!lastSaid.includes('controlled shutdown incomplete; retrying'), lastSaid.join('\n'));
      // Retrying would take 1 + 2 + 3 + 4 s; generous for a loaded machine.
      assert.ok(Date.now() - started < 8_000, `the last broker took ${Date.now() - started} ms to stop`);
    } finally {
      await cluster.stop();
    }
  },
);
