/**
 * The metadata cache: immutable snapshots, typed changes, and readers of an old snapshot unaffected
 * by later updates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LEADER_DURING_DELETE,
  MetadataCache,
  type MetadataChange,
  type MetadataUpdate,
} from '../src/metadata/metadata-cache.js';

const broker = (nodeId: number, rack: string | null = null) => ({
  nodeId,
  host: '127.0.0.1',
  port: 9090 + nodeId,
  rack,
});
const partition = (topic: string, p: number, leader: number, isr: number[], leaderEpoch = 0) => ({
  topic,
  partition: p,
  leader,
  leaderEpoch,
  partitionEpoch: leaderEpoch,
  replicas: [1, 2, 3],
  isr,
});
const orders: MetadataUpdate = {
  controllerId: 1,
  liveBrokers: [broker(1), broker(2), broker(3)],
  topics: [{ name: 'orders', topicId: 'id-orders', internal: false }],
  partitions: [partition('orders', 0, 1, [1, 2, 3]), partition('orders', 1, 2, [2, 3, 1])],
};
const types = (changes: readonly MetadataChange[]) => changes.map((c) => c.type);

test('an update publishes a snapshot and says what changed', () => {
  const cache = new MetadataCache();
  const seen: string[][] = [];
  cache.subscribe((changes) => seen.push(types(changes)));
  const changes = cache.apply(orders);
  assert.deepEqual(types(changes), [
    'broker-added',
    'broker-added',
    'broker-added',
    'controller-changed',
    'partition-changed',
    'partition-changed',
    'topic-added',
  ]);
  const snap = cache.snapshot();
  assert.equal(snap.controllerId, 1);
  assert.equal(snap.topic('orders')?.partitions.length, 2);
  assert.equal(snap.topicById('id-orders')?.name, 'orders');
  assert.equal(snap.partition('orders', 1)?.leader, 2);
  assert.equal(snap.isAlive(3), true);
  assert.deepEqual(seen, [types(changes)]);
  assert.deepEqual(cache.apply(orders), [], 'a repeat changes nothing and notifies no one');
  assert.equal(seen.length, 1);
});

test('snapshots are immutable and an old one is unaffected by later updates', () => {
  const cache = new MetadataCache();
  cache.apply(orders);
  const old = cache.snapshot();
  const p0 = old.partition('orders', 0)!;
  assert.throws(() => (p0.isr as number[]).push(9), TypeError);
  assert.throws(() => {
    (p0 as { leader: number }).leader = 5;
  }, TypeError);
  const changes = cache.apply({
    controllerId: 1,
    liveBrokers: [broker(2), broker(3)],
    partitions: [{ ...partition('orders', 0, 2, [2, 3], 1), offlineReplicas: [1] }],
  });
  assert.deepEqual(types(changes), ['broker-removed', 'partition-changed']);
  const change = changes[1] as Extract<MetadataChange, { type: 'partition-changed' }>;
  assert.equal(change.before?.leader, 1);
  assert.equal(change.after.leader, 2);
  assert.equal(old.partition('orders', 0)?.leader, 1, 'the old snapshot still says broker 1');
  assert.equal(old.isAlive(1), true);
  const now = cache.snapshot();
  assert.equal(now.partition('orders', 0)?.leaderEpoch, 1);
  assert.deepEqual(now.partition('orders', 0)?.offlineReplicas, [1]);
  assert.equal(now.partition('orders', 1), old.partition('orders', 1), 'unchanged partitions are shared');
  assert.equal(now.topic('orders')?.topicId, 'id-orders', 'the topic id is kept when an update omits it');
});

test('a topic being deleted leaves the cache; the controller change is its own event', () => {
  const cache = new MetadataCache();
  cache.apply(orders);
  const changes = cache.apply({
    controllerId: 2,
    partitions: [partition('orders', 0, LEADER_DURING_DELETE, []), partition('orders', 1, LEADER_DURING_DELETE, [])],
  });
  assert.deepEqual(types(changes), ['controller-changed', 'topic-removed']);
  assert.equal(cache.snapshot().topic('orders'), undefined);
  assert.equal(cache.snapshot().topicById('id-orders'), undefined);
  assert.equal(cache.snapshot().brokers.size, 3, 'brokers are kept when an update omits them');
});

test('an update that would leave a hole in a topic is refused and changes nothing', () => {
  const cache = new MetadataCache();
  const before = cache.snapshot();
  assert.throws(() => cache.apply({ controllerId: 1, partitions: [partition('gappy', 1, 1, [1])] }), /leaves a gap/);
  assert.equal(cache.snapshot(), before);
});
