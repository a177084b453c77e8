/**
 * Failover on three brokers and one ZooKeeper, with real clients: a leader killed under an
 * idempotent acks=all load (confluent-kafka) loses and duplicates nothing and is replaced within
 * seconds of its ZooKeeper session expiring; a killed controller is replaced and the next failure
 * is still handled; with two of three brokers down acks=all is refused rather than acknowledged
 * unreplicated; unclean leader election stays off unless enabled.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, zookeeperInstalled, type TestCluster } from '@gregor/broker/testing';
import { Producer, KafkaError } from '@gregor/client';
import { ErrorCode } from '@gregor/protocol';
import { findPython } from '@gregor/testkit/interop';
import {
  createTopic,
  healCluster,
  describe,
  liveBootstrap,
  logEntries,
  lostAndDuplicated,
  readAll,
  runLoad,
  waitFor,
} from './support.js';

const SESSION_MS = 6000;
const skip = !zookeeperInstalled() ? 'Debian zookeeper is not installed (.ci/run installs it)' : false;
const python = findPython('confluent_kafka');
let cluster: TestCluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: SESSION_MS, overrides: { 'metrics.port': '0' } });
});
after(async () => {
  await cluster?.stop();
});

test(
  'kill -9 a leader during an idempotent acks=all load (confluent-kafka): nothing lost or duplicated, new leaders within 5 s of session expiry',
  { skip: skip || python.skip, timeout: 180_000 },
  async (t) => {
    t.after(() => healCluster(cluster));
    const topic = 'failover-leader';
    await createTopic(cluster, topic, 3, 3, { 'min.insync.replicas': '2' });
    const load = runLoad(python.python!, cluster, topic, 16, 1500);
    await waitFor('the load to be acknowledged', async () => (load.acksSoFar() > 1000 ? true : undefined), 30_000);
    const victim = (await describe(cluster, topic)).partitions[0]!.leader;
    const killedAt = Date.now();
    await cluster.kill(victim);
    const reelected = await waitFor(
      'new leaders for every partition',
      async () => {
        const d = await describe(cluster, topic);
        return d.partitions.every((p) => p.leader >= 0 && p.leader !== victim) ? Date.now() : undefined;
      },
      SESSION_MS + 20_000,
    );
    const failoverMs = reelected - killedAt;
    console.log(
      `# failover: every partition led again ${failoverMs} ms after kill -9 (session timeout ${SESSION_MS} ms)`,
    );
    assert.ok(failoverMs <= SESSION_MS + 5000, `failover took ${failoverMs} ms`);
    const { acked, failed, summary } = await load.done;
    assert.deepEqual(failed, [], 'the producer carried on by itself');
    assert.match(summary, / 0 0$/, 'every record was delivered');
    const read = await readAll(cluster, topic);
    const { lost, duplicated } = lostAndDuplicated(acked, read);
    assert.equal(lost.length, 0, `acknowledged but lost: ${lost.slice(0, 10).join(',')}`);
    assert.equal(duplicated.length, 0, `duplicated: ${duplicated.slice(0, 10).join(',')}`);
    assert.ok(acked.length > 5000, `a real load (${acked.length} acknowledged)`);
  },
);

test(
  'kill -9 the controller: another broker takes over and handles the next failure',
  { skip, timeout: 120_000 },
  async (t) => {
    t.after(() => healCluster(cluster));
    const topic = 'failover-controller';
    await createTopic(cluster, topic, 3, 3, { 'min.insync.replicas': '2' });
    const controllerOf = async () => {
      const admin = new (await import('@gregor/client')).Admin({ brokers: liveBootstrap(cluster) });
      try {
        return (await admin.describeCluster()).controllerId;
      } finally {
        await admin.close();
      }
    };
    const first = await controllerOf();
    await cluster.kill(first);
    const second = await waitFor(
      'a new controller',
      async () => {
        const id = await controllerOf();
        return id >= 0 && id !== first ? id : undefined;
      },
      SESSION_MS + 20_000,
    );
    assert.ok(
      logEntries(cluster, second).some((e) => typeof e.msg === 'string' && e.msg.startsWith('became the controller')),
      `broker ${second} says it became the controller`,
    );
    // The next failure: kill a broker leading something; the new controller moves leadership.
    await waitFor(
      'the topic led without the dead controller',
      async () => {
        const d = await describe(cluster, topic);
        return d.partitions.every((p) => p.leader >= 0 && p.leader !== first) ? d : undefined;
      },
      SESSION_MS + 20_000,
    );
    await healCluster(cluster);
    const d = await describe(cluster, topic);
    const victim = d.partitions.map((p) => p.leader).find((id) => id !== second)!;
    await cluster.kill(victim);
    await waitFor(
      'leaders after the second failure',
      async () => {
        const now = await describe(cluster, topic);
        return now.partitions.every((p) => p.leader >= 0 && p.leader !== victim) ? now : undefined;
      },
      SESSION_MS + 20_000,
    );
    await healCluster(cluster);
  },
);

test(
  'two of three brokers down: acks=all is refused with NOT_ENOUGH_REPLICAS, nothing unreplicated is acknowledged',
  { skip, timeout: 120_000 },
  async (t) => {
    t.after(() => healCluster(cluster));
    const topic = 'failover-min-isr';
    await createTopic(cluster, topic, 1, 3, { 'min.insync.replicas': '2' });
    const survivor = (await describe(cluster, topic)).partitions[0]!.leader;
    for (const b of cluster.brokers) if (b.id !== survivor) await cluster.kill(b.id);
    await waitFor(
      'the ISR to shrink to the survivor',
      async () => {
        const p = (await describe(cluster, topic)).partitions[0]!;
        return p.leader === survivor && p.isr.length === 1 ? p : undefined;
      },
      SESSION_MS + 20_000,
    );
    // The survivor says so in its metrics, as Kafka's UnderReplicated / UnderMinIsr gauges do.
    const metrics = await (
      await fetch(`http://127.0.0.1:${cluster.broker(survivor).process!.metricsPort}/metrics`)
    ).text();
    assert.match(metrics, /^gregor_under_replicated_partitions [1-9]/m);
    assert.match(metrics, /^gregor_under_min_isr_partitions [1-9]/m);
    const producer = new Producer({ brokers: liveBootstrap(cluster), retries: 0, requestTimeoutMs: 5000 } as never);
    try {
      await assert.rejects(
        producer.send({ topic, value: 'must not be acknowledged' }),
        (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.NOT_ENOUGH_REPLICAS,
      );
    } finally {
      await producer.close().catch(() => undefined);
    }
    await healCluster(cluster);
    await waitFor('the ISR to grow back', async () => {
      const p = (await describe(cluster, topic)).partitions[0]!;
      return p.isr.length === 3 ? p : undefined;
    });
    const read = await readAll(cluster, topic);
    assert.deepEqual(
      read.map((r) => r.value),
      [],
      'the refused record was never written anywhere it could be read',
    );
  },
);

test(
  'unclean leader election is off by default (the partition waits) and, when enabled, elects and says so',
  { skip, timeout: 150_000 },
  async (t) => {
    t.after(() => healCluster(cluster));
    const topic = 'failover-unclean';
    await createTopic(cluster, topic, 1, 2, {});
    const p0 = (await describe(cluster, topic)).partitions[0]!;
    const [leader, follower] = [p0.leader, p0.replicas.find((r) => r !== p0.leader)!];
    // The follower dies first (and leaves the ISR), then the leader: no in-sync replica is left alive.
    await cluster.kill(follower);
    await waitFor(
      'the ISR to shrink',
      async () => {
        const p = (await describe(cluster, topic)).partitions[0]!;
        return p.isr.length === 1 ? p : undefined;
      },
      SESSION_MS + 20_000,
    );
    await cluster.kill(leader);
    await cluster.restart(follower);
    await new Promise((r) => setTimeout(r, SESSION_MS + 3000));
    const waiting = (await describe(cluster, topic)).partitions[0]!;
    assert.equal(waiting.leader, -1, 'no leader: the out-of-sync replica is not elected by default');
    // Enable it for the topic: the controller elects the out-of-sync replica and logs a warning.
    const { Admin } = await import('@gregor/client');
    const admin = new Admin({ brokers: liveBootstrap(cluster) });
    try {
      await admin.incrementalAlterConfigs([
        { type: 'topic', name: topic, ops: [{ name: 'unclean.leader.election.enable', op: 'set', value: 'true' }] },
      ]);
    } finally {
      await admin.close();
    }
    const elected = await waitFor('an unclean leader', async () => {
      const p = (await describe(cluster, topic)).partitions[0]!;
      return p.leader === follower ? p : undefined;
    });
    assert.deepEqual(elected.isr, [follower]);
    const warned = cluster.brokers.some((b) =>
      logEntries(cluster, b.id).some((e) => typeof e.msg === 'string' && e.msg.includes('unclean leader election')),
    );
    assert.ok(warned, 'the controller logged the unclean election');
    await healCluster(cluster);
  },
);
