/**
 * Kafka's ZooKeeper operations against a real ZooKeeper: unique broker ids, one controller at a
 * time with a deposed one fenced by the epoch, conditional partition-state updates, topic
 * creation and deletion, configs with change notifications, producer id blocks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startZooKeeper, type TestZooKeeper } from '@gregor/broker/testing';
import { BrokerIdInUseError, ControllerMovedError, KafkaZk } from '../src/zk/kafka-zk.js';
import { ZkClient } from '../src/zk/zk-client.js';
import { ZkPaths } from '../src/zk/zk-data.js';

let zk: TestZooKeeper;
let chrootSeq = 0;
const opened: ZkClient[] = [];

before(async () => {
  zk = await startZooKeeper();
});
after(async () => {
  for (const c of opened) c.close();
  await zk.stop();
});

/** A session in a fresh chroot per test, so tests do not see each other's cluster. */
async function session(chroot: string): Promise<KafkaZk> {
  const client = await ZkClient.connect(`${zk.connectString}/${chroot}`, {
    sessionTimeoutMs: 4_000,
    connectionTimeoutMs: 10_000,
  });
  opened.push(client);
  const kz = new KafkaZk(client);
  await kz.ensureTopLevelPaths();
  return kz;
}

const registration = (id: number) => ({
  id,
  endpoints: [`PLAINTEXT://127.0.0.1:${9090 + id}`],
  securityProtocols: { PLAINTEXT: 'PLAINTEXT' },
  rack: null,
  timestampMs: Date.now(),
});

test('the cluster id is created once and read by every later broker', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const b = await session(root);
  assert.equal(await a.getOrCreateClusterId('first-id'), 'first-id');
  assert.equal(await b.getOrCreateClusterId('second-id'), 'first-id');
});

test('a broker id is unique while its owner lives, and free again once the session ends', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const b = await session(root);
  const epoch = await a.registerBroker(registration(1));
  assert.ok(epoch > 0n);
  assert.equal(await a.registerBroker(registration(1)), epoch, 'the same session may register again');
  await assert.rejects(
    b.registerBroker(registration(1)),
    (e: unknown) => e instanceof BrokerIdInUseError && /broker\.id 1 is already registered/.test(e.message),
  );
  const brokers = await b.liveBrokers();
  assert.deepEqual([...brokers.keys()], [1]);
  assert.equal(brokers.get(1)!.epoch, epoch);
  a.zk.close();
  let freed = false;
  for (let i = 0; i < 50 && !freed; i++) {
    freed = (await b.liveBrokers()).size === 0;
    if (!freed) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(freed, 'the ephemeral registration went with the session');
  const newEpoch = await b.registerBroker(registration(1));
  assert.ok(newEpoch > epoch, 'a new incarnation gets a higher broker epoch');
});

test('one controller at a time; a deposed controller is fenced by the epoch', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const b = await session(root);
  const won = await a.tryElectController(1, Date.now());
  assert.deepEqual(won, { epoch: 1, zkVersion: 1 });
  assert.equal(await b.tryElectController(2, Date.now()), null);
  assert.equal(await b.controllerId(), 1);

  // The controller writes a partition state under its epoch.
  await a.createPartitionStates(
    won,
    't',
    new Map([[0, { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }]]),
  );
  // Its session ends (as when it is paused past the session timeout); broker 2 takes over.
  a.zk.close();
  let took: Awaited<ReturnType<KafkaZk['tryElectController']>> = null;
  for (let i = 0; i < 50 && !took; i++) {
    took = await b.tryElectController(2, Date.now());
    if (!took) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(took, { epoch: 2, zkVersion: 2 });
  // The old controller's epoch no longer opens any write, even through another live session.
  const c = await session(root);
  await assert.rejects(
    c.updatePartitionState(won, 't', 0, { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 1 }, 0),
    (e: unknown) => e instanceof ControllerMovedError,
  );
  const states = await c.partitionStates('t');
  assert.deepEqual(states.get(0), {
    state: { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 },
    zkVersion: 0,
  });
});

test('partition state updates land only on the version read', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const epoch = (await a.tryElectController(1, Date.now()))!;
  await a.createPartitionStates(
    epoch,
    't',
    new Map([[0, { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 }]]),
  );
  const shrunk = { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 };
  assert.equal(await a.updatePartitionState(epoch, 't', 0, shrunk, 0), 1);
  assert.equal(
    await a.updatePartitionState(epoch, 't', 0, { ...shrunk, isr: [1] }, 0),
    null,
    'a write based on a stale read is refused',
  );
  assert.deepEqual((await a.partitionStates('t')).get(0), { state: shrunk, zkVersion: 1 });
});

test('topics are created with their config, seen by watchers, and removed whole', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const epoch = (await a.tryElectController(1, Date.now()))!;
  let changed!: () => void;
  const topicsChanged = new Promise<void>((r) => (changed = r));
  assert.deepEqual(await a.topics(changed), []);
  const assignment = {
    topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
    partitions: new Map([
      [0, [1, 2]],
      [1, [2, 1]],
    ]),
    addingReplicas: new Map(),
    removingReplicas: new Map(),
  };
  await a.createTopic('orders', assignment, { 'retention.ms': '1000' });
  await topicsChanged;
  assert.deepEqual(await a.topics(), ['orders']);
  assert.deepEqual(await a.topicAssignment('orders'), assignment);
  assert.deepEqual(await a.entityConfigs('topics', 'orders'), { 'retention.ms': '1000' });
  await assert.rejects(a.createTopic('orders', assignment, {}), /NODE_EXISTS/);

  await a.createPartitionStates(
    epoch,
    'orders',
    new Map([
      [0, { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }],
      [1, { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 1 }],
    ]),
  );
  await a.markTopicForDeletion('orders');
  assert.deepEqual(await a.topicsMarkedForDeletion(), ['orders']);
  await a.removeTopic(epoch, 'orders');
  assert.deepEqual(await a.topics(), []);
  assert.deepEqual(await a.topicsMarkedForDeletion(), []);
  assert.equal(await a.zk.exists(ZkPaths.config('topics', 'orders')), null);
});

test('config changes leave a sequential notification; producer id blocks never overlap', async () => {
  const root = `c${chrootSeq++}`;
  const a = await session(root);
  const b = await session(root);
  await a.setEntityConfigs('brokers', '<default>', { 'log.retention.ms': '5' });
  await a.setEntityConfigs('topics', 'orders', { 'cleanup.policy': 'compact' });
  assert.deepEqual(await b.entityConfigs('brokers', '<default>'), { 'log.retention.ms': '5' });
  const changes = await b.zk.children(ZkPaths.configChanges);
  assert.deepEqual(changes, ['config_change_0000000000', 'config_change_0000000001']);

  const blocks = await Promise.all([
    a.allocateProducerIdBlock(1, 1000),
    b.allocateProducerIdBlock(2, 1000),
    a.allocateProducerIdBlock(1, 1000),
  ]);
  const starts = blocks.map((x) => x.start).sort((x, y) => (x < y ? -1 : 1));
  assert.deepEqual(starts, [0n, 1000n, 2000n]);
});
