/**
 * The three assignors: their rules on plain data (Kafka's definitions), and a three-member
 * group over a six-partition topic with each, against a real broker: every partition owned by
 * exactly one member, two each, every record read once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestBroker } from '@gregor/broker/testing';
import {
  Admin,
  Producer,
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  type AssignorName,
  type MemberSubscription,
  type TopicPartition,
} from '../src/index.js';
import { createTopic, uniqueTopic } from './support/helpers.js';
import {
  duplicates,
  fastGroup,
  Member,
  partitionsCovered,
  partitionsOf,
  startGroupBroker,
  waitFor,
} from './support/groups.js';

const member = (
  memberId: string,
  topics: string[],
  owned: TopicPartition[] = [],
  generation = -1,
): MemberSubscription => ({
  memberId,
  groupInstanceId: null,
  topics,
  ownedPartitions: owned,
  generation,
  userData: null,
  rackId: null,
});
const parts = (a: Map<string, TopicPartition[]>, id: string) => a.get(id)!.map((tp) => `${tp.topic}${tp.partition}`);

test('range: contiguous ranges per topic, the first members get the extra partitions', () => {
  const counts = new Map([
    ['a', 7],
    ['b', 2],
  ]);
  const a = rangeAssignor.assign([member('m2', ['a', 'b']), member('m1', ['a']), member('m3', ['a', 'b'])], counts);
  assert.deepEqual(parts(a, 'm1'), ['a0', 'a1', 'a2']);
  assert.deepEqual(parts(a, 'm2'), ['a3', 'a4', 'b0']);
  assert.deepEqual(parts(a, 'm3'), ['a5', 'a6', 'b1']);
});

test('roundrobin: partitions dealt in topic order, skipping members not subscribed', () => {
  const counts = new Map([
    ['a', 3],
    ['b', 3],
  ]);
  const a = roundRobinAssignor.assign([member('m1', ['a', 'b']), member('m2', ['b'])], counts);
  assert.deepEqual(parts(a, 'm1'), ['a0', 'a1', 'a2', 'b1']);
  assert.deepEqual(parts(a, 'm2'), ['b0', 'b2']);
});

test('cooperative-sticky: owners keep their quota, moving partitions are withheld, then handed over', () => {
  const counts = new Map([['t', 6]]);
  const tp = (partition: number) => ({ topic: 't', partition });
  const first = cooperativeStickyAssignor.assign([member('a', ['t']), member('b', ['t'])], counts);
  assert.equal(first.get('a')!.length + first.get('b')!.length, 6);
  // c joins: a and b each give up one partition, which nobody gets in this round.
  const a = [0, 1, 2].map(tp);
  const b = [3, 4, 5].map(tp);
  const round1 = cooperativeStickyAssignor.assign(
    [member('a', ['t'], a, 1), member('b', ['t'], b, 1), member('c', ['t'])],
    counts,
  );
  assert.equal(round1.get('a')!.length, 2);
  assert.equal(round1.get('b')!.length, 2);
  assert.deepEqual(round1.get('c'), []);
  // Second round: the revoked partitions are unowned and go to c.
  const round2 = cooperativeStickyAssignor.assign(
    [member('a', ['t'], round1.get('a')!, 2), member('b', ['t'], round1.get('b')!, 2), member('c', ['t'], [], 2)],
    counts,
  );
  assert.deepEqual(round2.get('a'), round1.get('a'));
  assert.deepEqual(round2.get('b'), round1.get('b'));
  assert.equal(round2.get('c')!.length, 2);
  // A partition claimed twice in the same generation is nobody's until reassigned.
  const conflict = cooperativeStickyAssignor.assign(
    [member('a', ['t'], [tp(0)], 3), member('b', ['t'], [tp(0)], 3)],
    counts,
  );
  assert.equal(conflict.get('a')!.length + conflict.get('b')!.length, 6);
});

let tb: TestBroker;
let admin: Admin;
let producer: Producer;

before(async () => {
  tb = await startGroupBroker();
  admin = new Admin({ brokers: [tb.bootstrap] });
  producer = new Producer({ brokers: [tb.bootstrap] });
});
after(async () => {
  await producer.close();
  await admin.close();
  await tb.stop();
});

for (const assignor of ['range', 'roundrobin', 'cooperative-sticky'] as AssignorName[]) {
  test(`a three-member group with ${assignor}: each partition owned once, every record read once`, async () => {
    const topic = uniqueTopic(`assign-${assignor}`);
    await createTopic(admin, topic, 6);
    await producer.sendBatch(Array.from({ length: 60 }, (_, i) => ({ topic, partition: i % 6, value: String(i) })));
    const groupId = uniqueTopic('group');
    const members = ['a', 'b', 'c'].map((id) =>
      new Member(fastGroup(tb.bootstrap, groupId, { assignors: [assignor], clientId: id })).start([topic]),
    );
    const all = partitionsOf(topic, 6);
    await waitFor(
      'a balanced assignment',
      () => partitionsCovered(members, all) && members.every((m) => m.owned.length === 2),
    );
    await waitFor('all records', () => members.reduce((n, m) => n + m.records.length, 0) >= 60);
    assert.deepEqual(duplicates(members), []);
    const generations = members.map((m) => m.consumer.groupMetadata()!.generationId);
    assert.ok(
      generations.every((g) => g === generations[0] && g > 0),
      `generations ${generations.join(',')}`,
    );
    const described = await admin.describeGroups([groupId]);
    assert.equal(described[0]!.protocol, assignor);
    assert.equal(described[0]!.members.length, 3);
    for (const m of members) assert.equal(m.error, null);
    await Promise.all(members.map((m) => m.stop()));
  });
}
