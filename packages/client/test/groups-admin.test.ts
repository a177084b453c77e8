/**
 * The admin's group operations against a real broker, with exact numbers: listGroups with state
 * filters, describeGroups with decoded assignments, committed offsets, lag per partition,
 * resetting an empty group's offsets (earliest, latest, offset, timestamp), deleting offsets and
 * groups.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestBroker } from '@gregor/broker/testing';
import { Admin, Consumer, KafkaClientError, KafkaError, Producer } from '../src/index.js';
import { consumeN, createTopic, uniqueTopic } from './support/helpers.js';
import { fastGroup, startGroupBroker, waitFor } from './support/groups.js';

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

test('group operations: list, describe, offsets, lag, reset, delete', async () => {
  const topic = uniqueTopic('admin-groups');
  await createTopic(admin, topic, 2);
  // Partition 0: ten records stamped 1000, 2000, … 10000; partition 1: six.
  await producer.sendBatch([
    ...Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `a${i}`, timestamp: (i + 1) * 1000 })),
    ...Array.from({ length: 6 }, (_, i) => ({ topic, partition: 1, value: `b${i}`, timestamp: (i + 1) * 1000 })),
  ]);
  const groupId = uniqueTopic('admin-group');
  const consumer = new Consumer(fastGroup(tb.bootstrap, groupId, { autoCommit: false, clientId: 'lag-reader' }));
  consumer.subscribe([topic]);
  await consumeN(consumer, 16);
  await consumer.commit([
    { topic, partition: 0, offset: 4 },
    { topic, partition: 1, offset: 6 },
  ]);

  const [stable] = await admin.describeGroups([groupId]);
  assert.equal(stable!.state, 'Stable');
  assert.equal(stable!.protocolType, 'consumer');
  assert.equal(stable!.protocol, 'range');
  assert.equal(stable!.members.length, 1);
  assert.equal(stable!.members[0]!.clientId, 'lag-reader');
  assert.deepEqual(stable!.members[0]!.subscription, [topic]);
  assert.deepEqual(stable!.members[0]!.assignment, [
    { topic, partition: 0 },
    { topic, partition: 1 },
  ]);
  const ids = async (states?: string[]) =>
    (await admin.listGroups(states ? { states } : {})).map((g) => g.groupId).filter((g) => g === groupId);
  assert.deepEqual(await ids(['Stable']), [groupId]);
  assert.deepEqual(await ids(['Empty']), []);
  await assert.rejects(
    admin.resetGroupOffsets(groupId, topic, 'earliest'),
    (e: unknown) => e instanceof KafkaClientError && e.code === 'ERR_ILLEGAL_STATE',
  );
  await consumer.close();
  assert.deepEqual(await ids(['Empty']), [groupId]);
  assert.deepEqual(await ids(), [groupId]);
  const [listed] = (await admin.listGroups()).filter((g) => g.groupId === groupId);
  assert.deepEqual(listed, { groupId, protocolType: 'consumer', state: 'Empty', type: 'classic' });

  assert.deepEqual(await admin.groupLag(groupId), [
    { topic, partition: 0, committed: 4, logEndOffset: 10, lag: 6 },
    { topic, partition: 1, committed: 6, logEndOffset: 6, lag: 0 },
  ]);
  const offsets = async () => (await admin.listGroupOffsets(groupId)).map((o) => o.offset);
  assert.deepEqual(await offsets(), [4, 6]);

  assert.deepEqual(await admin.resetGroupOffsets(groupId, topic, 'earliest'), [
    { partition: 0, offset: 0 },
    { partition: 1, offset: 0 },
  ]);
  assert.deepEqual(await offsets(), [0, 0]);
  await admin.resetGroupOffsets(groupId, topic, 'latest');
  assert.deepEqual(await offsets(), [10, 6]);
  await admin.resetGroupOffsets(groupId, topic, { offset: 3 }, [1]);
  assert.deepEqual(await offsets(), [10, 3]);
  // The first record at or after 7.5 s is offset 7 in partition 0; partition 1 has none: its end.
  await admin.resetGroupOffsets(groupId, topic, { timestamp: 7_500 });
  assert.deepEqual(await offsets(), [7, 6]);
  assert.deepEqual(
    (await admin.groupLag(groupId, [topic])).map((l) => l.lag),
    [3, 0],
  );

  // A consumer of the group now starts where the reset put it.
  const again = new Consumer(fastGroup(tb.bootstrap, groupId, { autoCommit: false }));
  again.subscribe([topic]);
  const records = await consumeN(again, 3);
  assert.deepEqual(records.map((r) => r.value!.toString()).sort(), ['a7', 'a8', 'a9']);
  await again.close();

  await admin.deleteGroupOffsets(groupId, topic, [1]);
  assert.deepEqual(
    (await admin.listGroupOffsets(groupId)).map((o) => [o.partition, o.offset]),
    [[0, 7]],
  );
  await admin.deleteGroups([groupId]);
  await waitFor('the group gone', async () => (await ids()).length === 0);
  const [dead] = await admin.describeGroups([groupId]);
  assert.equal(dead!.state, 'Dead');
  assert.deepEqual(await admin.listGroupOffsets(groupId), []);
  await assert.rejects(
    admin.deleteGroups([groupId]),
    (e: unknown) => e instanceof KafkaError && e.name === 'GROUP_ID_NOT_FOUND',
  );
});
