/**
 * KIP-848 groups (`groupProtocol: 'consumer'`) against a real broker: two members share a topic
 * through the coordinator's assignor, reconciling revoke-before-assign as the second joins;
 * commits carry the member epoch; a member leaving hands its partitions to the other; the
 * admin sees a 'consumer' type group.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestBroker } from '@gregor/broker/testing';
import { Admin, Producer } from '../src/index.js';
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

const produce = (topic: string, n: number, from: number) =>
  producer.sendBatch(
    Array.from({ length: n }, (_, i) => ({ topic, partition: (from + i) % 6, value: String(from + i) })),
  );

for (const assignor of ['uniform', 'range']) {
  test(`a KIP-848 group of two members (${assignor} assignor): shared, handed over on leave`, async () => {
    const topic = uniqueTopic('kip848');
    await createTopic(admin, topic, 6);
    await produce(topic, 60, 0);
    const groupId = uniqueTopic('kip848-group');
    const options = fastGroup(tb.bootstrap, groupId, {
      groupProtocol: 'consumer',
      groupRemoteAssignor: assignor,
      autoCommitIntervalMs: 100,
    });
    const a = new Member(options).start([topic]);
    await waitFor('a owns everything', () => partitionsCovered([a], partitionsOf(topic, 6)));
    const b = new Member(options).start([topic]);
    await waitFor('three each', () => partitionsCovered([a, b], partitionsOf(topic, 6)) && a.owned.length === 3);
    assert.equal(a.revokedEvents.flat().length, 3, 'a revoked exactly what b got');
    assert.ok(b.consumer.groupMetadata()!.generationId > 0, 'b has a member epoch');
    await produce(topic, 60, 60);
    await waitFor('every record', () => a.records.length + b.records.length >= 120);

    const [listed] = (await admin.listGroups({ types: ['consumer'] })).filter((g) => g.groupId === groupId);
    assert.equal(listed?.type, 'consumer');
    await waitFor('commits with member epochs', async () => {
      const offsets = await admin.listGroupOffsets(groupId, [topic]);
      return offsets.length === 6 && offsets.reduce((n, o) => n + o.offset, 0) === 120;
    });

    await b.stop();
    await waitFor('a owns everything again', () => partitionsCovered([a], partitionsOf(topic, 6)));
    await produce(topic, 60, 120);
    await waitFor('records after the leave', () => a.records.length + b.records.length >= 180);
    assert.deepEqual(duplicates([a, b]), []);
    assert.equal(a.error, null);
    assert.equal(b.error, null);
    await a.stop();
    const [gone] = await admin.describeGroups([groupId]);
    assert.equal(gone!.members.length, 0);
  });
}
