/**
 * Our clients riding through a broker's death in a three-broker cluster (ZooKeeper mode,
 * replication factor 3, min.insync.replicas 2): the leader of a partition is killed (SIGKILL)
 * under an idempotent produce load while a group consumer reads, and every acknowledged record
 * is read exactly once; then the group's coordinator is killed, and the group keeps consuming
 * and committing, and a second member resumes from the committed offsets.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startCluster, zookeeperInstalled } from '@gregor/broker/testing';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../src/index.js';
import { waitFor } from './support/groups.js';
import { uniqueTopic } from './support/helpers.js';

// CI installs ZooKeeper, so there a missing one fails the tests instead of skipping them.
const skip = process.env.CI ? false : !zookeeperInstalled() && 'ZooKeeper is not installed';

const PARTITIONS = 3;

/**
 * Cleanups run last-registered first, each even when one before it fails: clients close while
 * the cluster still runs (a consumer leaving its group with no broker up retries for its whole
 * request timeout), and the cluster stops last.
 */
function cleanupStack(t: TestContext): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of steps.reverse())
      await Promise.resolve()
        .then(step)
        .catch((err) => t.diagnostic(String(err)));
  });
  return (step) => steps.push(step);
}

async function replicatedCluster(t: TestContext) {
  const cleanup = cleanupStack(t);
  const cluster = await startCluster({ brokers: 3, overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  cleanup(() => cluster.stop());
  const brokers = cluster.bootstrap.split(',');
  const admin = new Admin({ brokers });
  cleanup(() => admin.close());
  return { cluster, brokers, admin, cleanup };
}

async function createReplicatedTopic(admin: Admin, prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  await admin.createTopics([
    { topic, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
  ]);
  return topic;
}

/** Resolves once every partition of `topic` has a leader other than `dead`. */
async function waitForNewLeaders(admin: Admin, topic: string, dead: number): Promise<void> {
  await waitFor(
    `every partition of ${topic} led by a live broker`,
    async () => {
      const [d] = await admin.describeTopics([topic]);
      return d !== undefined && d.partitions.every((p) => p.leader >= 0 && p.leader !== dead);
    },
    30_000,
  );
}

/** A consumer polling in the background, counting how often each record value was read. */
class Reader {
  readonly counts = new Map<string, number>();
  error: unknown = null;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(readonly consumer: Consumer) {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          for (const r of await consumer.poll(200)) this.add(r);
        } catch (e) {
          this.error ??= e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
  }

  private add(r: ConsumerRecord): void {
    const v = r.value!.toString();
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }

  readAll(values: Iterable<string>): boolean {
    for (const v of values) if (!this.counts.has(v)) return false;
    return true;
  }

  duplicates(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([v]) => v);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Sends unique values as fast as the producer takes them (bounded), until `stop()`. */
class Load {
  readonly acked = new Set<string>();
  readonly errors: unknown[] = [];
  sent = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(producer: Producer, topic: string, maxRecords = 400_000) {
    this.loop = (async () => {
      while (!this.stopped && this.sent < maxRecords) {
        const value = `v${this.sent++}`;
        const { delivery } = await producer.enqueue({ topic, key: value, value });
        delivery.then(
          () => this.acked.add(value),
          (e: unknown) => this.errors.push(e),
        );
        // Let the sender and the consumer run: the load must not starve the event loop.
        if (this.sent % 200 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }

  async stop(producer: Producer): Promise<void> {
    this.stopped = true;
    await this.loop;
    await producer.flush();
  }
}

test(
  'the leader of a partition is killed under an idempotent produce load: every acknowledged record is read exactly once',
  { skip, timeout: 120_000 },
  async (t) => {
    const { cluster, brokers, admin, cleanup } = await replicatedCluster(t);
    const topic = await createReplicatedTopic(admin, 'failover');
    const groupId = uniqueTopic('failover-group');
    const producer = new Producer({ brokers });
    const consumer = new Consumer({ brokers, groupId, autoOffsetReset: 'earliest', maxWaitMs: 200 });
    cleanup(() => producer.close());
    cleanup(() => consumer.close());
    consumer.subscribe([topic]);
    const reader = new Reader(consumer);
    const load = new Load(producer, topic);
    await waitFor('records read before the kill', () => reader.counts.size > 2_000, 30_000);

    // The coordinator's death is the next test; here only partition leadership moves.
    const [group] = await admin.describeGroups([groupId]);
    const [before] = await admin.describeTopics([topic]);
    const victim = before!.partitions.map((p) => p.leader).find((id) => id !== group!.coordinator)!;
    assert.ok(victim > 0, 'a partition leader that is not the coordinator');
    const readAtKill = reader.counts.size;
    const killedAt = Date.now();
    await cluster.kill(victim);
    await waitForNewLeaders(admin, topic, victim);
    const electedAfter = Date.now() - killedAt;
    // Keep producing a little under the new leaders, so every partition has records from both sides.
    await new Promise((r) => setTimeout(r, 1_500));
    await load.stop(producer);

    assert.deepEqual(load.errors, [], 'the idempotent producer delivered every record');
    assert.equal(load.acked.size, load.sent);
    const stoppedAt = Date.now();
    await waitFor('every acknowledged record read', () => reader.readAll(load.acked), 45_000);
    const caughtUp = Date.now() - stoppedAt;
    await reader.stop();
    t.diagnostic(
      `killed broker ${victim} after ${readAtKill} reads; leaders again after ${electedAfter} ms; ` +
        `${load.acked.size} records acknowledged, all read ${caughtUp} ms after the load stopped`,
    );

    assert.equal(reader.error, null);
    assert.deepEqual(reader.duplicates(), [], 'no record read twice (none written twice, none re-fetched)');
    assert.equal(reader.counts.size, load.acked.size, 'nothing read that was not acknowledged');
  },
);

test(
  "the group's coordinator is killed: the member keeps consuming and committing, and a new member resumes from the commits",
  { skip, timeout: 120_000 },
  async (t) => {
    const { cluster, brokers, admin, cleanup } = await replicatedCluster(t);
    const topic = await createReplicatedTopic(admin, 'coordinator-failover');
    const groupId = uniqueTopic('coordinator-group');
    const producer = new Producer({ brokers });
    const options = { brokers, groupId, autoOffsetReset: 'earliest', autoCommit: false, maxWaitMs: 200 } as const;
    const first = new Consumer(options);
    const second = new Consumer(options);
    cleanup(() => producer.close());
    cleanup(() => first.close());
    cleanup(() => second.close());
    const batch = (prefix: string, n: number) =>
      producer.sendBatch(Array.from({ length: n }, (_, i) => ({ topic, value: `${prefix}${i}` })));
    const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

    await batch('a', 2_000);
    first.subscribe([topic]);
    const reader = new Reader(first);
    await waitFor('the first 2000 records read', () => reader.readAll(values('a', 2_000)), 30_000);
    await first.commit();

    const [group] = await admin.describeGroups([groupId]);
    const coordinator = group!.coordinator;
    assert.equal(group!.state, 'Stable');
    await cluster.kill(coordinator);
    // The producer rides through the same death (the coordinator leads some partitions too).
    await batch('b', 2_000);
    await waitFor('the next 2000 records read', () => reader.readAll(values('b', 2_000)), 45_000);
    await reader.stop();
    // Retried against the new coordinator once __consumer_offsets has a new leader.
    await first.commit();
    assert.equal(reader.error, null);
    assert.deepEqual(reader.duplicates(), []);
    assert.equal(reader.counts.size, 4_000);

    const [moved] = await admin.describeGroups([groupId]);
    assert.notEqual(moved!.coordinator, coordinator, 'the group has a new coordinator');
    const committed = await admin.listGroupOffsets(groupId, [topic]);
    const ends = await admin.listOffsets(topic, 'latest');
    assert.deepEqual(
      committed.map((c) => [c.partition, c.offset]).sort(),
      ends.map((e) => [e.partition, e.offset]).sort(),
      'the commits made before and after the move are all there',
    );
    await first.close();

    await batch('c', 500);
    second.subscribe([topic]);
    const resumed = new Reader(second);
    await waitFor('the 500 new records read', () => resumed.readAll(values('c', 500)), 30_000);
    // Anything committed before would show up here, ahead of the new records.
    await new Promise((r) => setTimeout(r, 500));
    await resumed.stop();
    assert.equal(resumed.error, null);
    assert.deepEqual([...resumed.counts.keys()].sort(), values('c', 500).sort());
    assert.deepEqual(resumed.duplicates(), []);
  },
);
