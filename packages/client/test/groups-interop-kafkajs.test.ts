/**
 * Our group consumer and a kafkajs consumer in the same classic group: they agree on an assignor
 * (kafkajs's round robin goes by the name `RoundRobinAssigner`; we offer our round robin under
 * that name), share the partitions whichever of them leads the group, and between them read
 * every record once, each committing what it read.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Consumer as KafkajsConsumer } from 'kafkajs';
import type { TestBroker } from '@gregor/broker/testing';
import { Admin, Producer, roundRobinAssignor } from '../src/index.js';
import { createTopic, uniqueTopic } from './support/helpers.js';
import { fastGroup, Member, startGroupBroker, waitFor } from './support/groups.js';

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

before(async () => {
  tb = await startGroupBroker();
  kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'kafkajs-member', logLevel: logLevel.NOTHING });
  admin = new Admin({ brokers: [tb.bootstrap] });
  producer = new Producer({ brokers: [tb.bootstrap] });
});
after(async () => {
  await producer.close();
  await admin.close();
  await tb.stop();
});

interface KafkajsMember {
  consumer: KafkajsConsumer;
  assigned: number[];
  read: string[];
}

async function startKafkajs(groupId: string, topic: string): Promise<KafkajsMember> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
  const member: KafkajsMember = { consumer, assigned: [], read: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    member.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => void member.read.push(`${partition}@${message.offset}`),
  });
  return member;
}

for (const leader of ['kafkajs', 'ours'] as const) {
  test(`our consumer and kafkajs share a group (${leader} joins first)`, async () => {
    const topic = uniqueTopic('interop-group');
    await createTopic(admin, topic, 6);
    const groupId = uniqueTopic('interop');
    const options = fastGroup(tb.bootstrap, groupId, {
      assignors: [{ ...roundRobinAssignor, name: 'RoundRobinAssigner' }],
      autoCommitIntervalMs: 100,
    });
    let theirs: KafkajsMember;
    let ours: Member;
    if (leader === 'kafkajs') {
      theirs = await startKafkajs(groupId, topic);
      await waitFor('kafkajs alone owns everything', () => theirs.assigned.length === 6);
      ours = new Member(options).start([topic]);
    } else {
      ours = new Member(options).start([topic]);
      await waitFor('we alone own everything', () => ours.owned.length === 6);
      theirs = await startKafkajs(groupId, topic);
    }
    const oursOwned = () => ours.owned.map((p) => Number(p.slice(p.lastIndexOf('-') + 1)));
    await waitFor('three partitions each', () => {
      const all = [...oursOwned(), ...theirs.assigned].sort((a, b) => a - b);
      return theirs.assigned.length === 3 && all.join() === '0,1,2,3,4,5';
    });
    const [group] = await admin.describeGroups([groupId]);
    assert.equal(group!.protocol, 'RoundRobinAssigner');
    assert.deepEqual(group!.members.map((m) => m.assignment.length).sort(), [3, 3]);

    await producer.sendBatch(Array.from({ length: 60 }, (_, i) => ({ topic, partition: i % 6, value: String(i) })));
    await waitFor('every record', () => ours.records.length + theirs.read.length >= 60);
    const read = [...ours.records.map((r) => `${r.partition}@${r.offset}`), ...theirs.read];
    assert.equal(new Set(read).size, 60, 'each record read once');
    assert.ok(ours.records.every((r) => oursOwned().includes(r.partition)));
    await waitFor('both committed', async () => {
      const offsets = await admin.listGroupOffsets(groupId, [topic]);
      return offsets.length === 6 && offsets.every((o) => o.offset === 10);
    });
    await theirs.consumer.disconnect();
    await waitFor('we take over the kafkajs partitions', () => ours.owned.length === 6);
    assert.equal(ours.error, null);
    await ours.stop();
  });
}
