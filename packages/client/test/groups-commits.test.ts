/**
 * Commits and subscriptions of group members against a real broker: auto commit (on its
 * interval, on revocation, on close), manual `commit()` of positions and of given offsets (with
 * the leader epoch), committed offsets read on assignment with `autoOffsetReset` as the
 * fallback, rebalance listeners, a pattern subscription picking up a topic created later, and
 * the coordinator coming back after a broker restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, Producer, type TopicPartition } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';
import { fastGroup, Member, partitionsCovered, partitionsOf, startGroupBroker, waitFor } from './support/groups.js';

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

async function topicWith(count: number, partitions = 1): Promise<string> {
  const topic = uniqueTopic('commits');
  await createTopic(admin, topic, partitions);
  await producer.sendBatch(
    Array.from({ length: count }, (_, i) => ({ topic, partition: i % partitions, value: String(i) })),
  );
  return topic;
}

const committedOf = async (groupId: string, topic: string) =>
  (await admin.listGroupOffsets(groupId, [topic])).map((o) => [o.partition, o.offset]);

test('auto commit: on its interval while polling, and on close', async () => {
  const topic = await topicWith(10);
  const groupId = uniqueTopic('auto');
  const consumer = new Consumer(fastGroup(tb.bootstrap, groupId, { autoCommitIntervalMs: 200 }));
  consumer.subscribe([topic]);
  await consumeN(consumer, 10);
  await waitFor('the interval commit', async () => {
    await consumer.poll(50); // auto commit happens in poll
    return (await committedOf(groupId, topic)).length > 0;
  });
  assert.deepEqual(await committedOf(groupId, topic), [[0, 10]]);
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: String(i) })));
  await consumeN(consumer, 10);
  await consumer.close();
  assert.deepEqual(await committedOf(groupId, topic), [[0, 20]]);
  const [offset] = await admin.listGroupOffsets(groupId);
  assert.ok(offset!.leaderEpoch >= 0, 'the leader epoch of the last record is committed');
});

test('manual commit: positions, explicit offsets; a new member starts at the committed offset', async () => {
  const topic = await topicWith(30);
  const groupId = uniqueTopic('manual');
  const options = fastGroup(tb.bootstrap, groupId, { autoCommit: false, maxPollRecords: 10 });
  const first = new Consumer(options);
  first.subscribe([topic]);
  await consumeN(first, 10);
  await first.commit();
  assert.deepEqual(await committedOf(groupId, topic), [[0, 10]]);
  await first.commit([{ topic, partition: 0, offset: 7, metadata: 'rewound' }]);
  const tp = { topic, partition: 0 };
  assert.equal((await first.committed([tp])).values().next().value, 7);
  const [stored] = await admin.listGroupOffsets(groupId);
  assert.equal(stored!.metadata, 'rewound');
  await consumeN(first, 10); // read on to 20, not committed: autoCommit is off
  await first.close();

  const second = new Consumer(options);
  second.subscribe([topic]);
  const records = await consumeN(second, 23);
  assert.equal(records[0]!.offset, 7, 'starts at the committed offset, not where the last member stopped');
  await second.close();
});

test('no committed offset: autoOffsetReset decides; listeners see assignment and revocation', async () => {
  const topic = await topicWith(5);
  const groupId = uniqueTopic('reset');
  const events: string[] = [];
  const consumer = new Consumer(fastGroup(tb.bootstrap, groupId, { autoOffsetReset: 'latest' }));
  const names = (tps: TopicPartition[]) => tps.map((p) => p.partition).join(',');
  consumer.subscribe([topic], {
    onPartitionsAssigned: (tps) => void events.push(`assigned ${names(tps)}`),
    onPartitionsRevoked: async (tps) => {
      events.push(`revoked ${names(tps)}`);
      await consumer.commit(); // a listener may commit: the partitions are still assigned
    },
  });
  await waitFor('assignment', async () => (await consumer.poll(50), consumer.assignment().length === 1));
  await waitFor('a position', async () => (await consumer.poll(50), consumer.position({ topic, partition: 0 }) === 5));
  await producer.send({ topic, partition: 0, value: 'after' });
  const [record] = await consumeN(consumer, 1);
  assert.equal(record!.value!.toString(), 'after');
  await consumer.close();
  assert.deepEqual(events, ['assigned 0', 'revoked 0']);
  assert.deepEqual(await committedOf(groupId, topic), [[0, 6]]);
});

test('a pattern subscription picks up a matching topic created later', async () => {
  const prefix = uniqueTopic('pattern');
  await createTopic(admin, `${prefix}-a`, 2);
  const groupId = uniqueTopic('pattern-group');
  const member = new Member(fastGroup(tb.bootstrap, groupId, { metadataMaxAgeMs: 300 })).start(
    new RegExp(`^${prefix}-`),
  );
  await waitFor('the first topic', () => partitionsCovered([member], partitionsOf(`${prefix}-a`, 2)));
  await createTopic(admin, `${prefix}-b`, 3);
  await createTopic(admin, uniqueTopic('unrelated'), 1);
  const both = [...partitionsOf(`${prefix}-a`, 2), ...partitionsOf(`${prefix}-b`, 3)];
  await waitFor('the new topic', () => partitionsCovered([member], both));
  await producer.send({ topic: `${prefix}-b`, partition: 2, value: 'new' });
  await waitFor('its record', () => member.records.some((r) => r.topic === `${prefix}-b`));
  await member.stop();
});

test('the coordinator coming back after a broker restart: the member rejoins and keeps consuming', async () => {
  const topic = await topicWith(10, 2);
  const groupId = uniqueTopic('failover');
  const member = new Member(fastGroup(tb.bootstrap, groupId, { autoCommitIntervalMs: 100 })).start([topic]);
  await waitFor('the first records', () => member.records.length >= 10);
  await waitFor('a commit', async () => (await committedOf(groupId, topic)).length === 2);
  await admin.close();
  await producer.close();
  tb = await tb.restart();
  admin = new Admin({ brokers: [tb.bootstrap] });
  producer = new Producer({ brokers: [tb.bootstrap] });
  await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, value: `after-${i}` })));
  await waitFor(
    'records after the restart',
    () => member.records.filter((r) => r.value!.toString().startsWith('after')).length === 10,
    30_000,
  );
  assert.equal(member.records.length, 20, 'nothing read twice: the committed offsets survived');
  await member.stop();
});

test('manual assignment with a groupId: commits outside the group, starts at the committed offset', async () => {
  const topic = await topicWith(10);
  const groupId = uniqueTopic('standalone');
  const first = new Consumer(fastGroup(tb.bootstrap, groupId));
  first.assign([{ topic, partition: 0 }]);
  await consumeN(first, 4);
  first.seek({ topic, partition: 0 }, 4); // drop what was buffered beyond the first four
  await first.commit();
  await first.close();
  assert.deepEqual(await committedOf(groupId, topic), [[0, 4]]);
  const second = new Consumer(fastGroup(tb.bootstrap, groupId));
  second.assign([{ topic, partition: 0 }]);
  assert.equal((await consumeN(second, 1))[0]!.offset, 4);
  second.seek({ topic, partition: 0 }, 'earliest'); // an explicit position wins over the committed one
  assert.equal((await consumeN(second, 1))[0]!.offset, 0);
  await second.close();
});

test('unsubscribe leaves the group and drops the assignment; subscribe joins again', async () => {
  const topic = await topicWith(3);
  const groupId = uniqueTopic('unsubscribe');
  const consumer = new Consumer(fastGroup(tb.bootstrap, groupId));
  consumer.subscribe([topic]);
  await consumeN(consumer, 3);
  await consumer.unsubscribe();
  assert.deepEqual(consumer.assignment(), []);
  const [group] = await admin.describeGroups([groupId]);
  assert.equal(group!.state, 'Empty');
  assert.deepEqual(await committedOf(groupId, topic), [[0, 3]], 'auto commit on leaving');
  consumer.subscribe([topic]);
  await waitFor('the assignment again', async () => (await consumer.poll(50), consumer.assignment().length === 1));
  assert.equal(consumer.position({ topic, partition: 0 }), 3);
  await consumer.close();
});
