/**
 * Rebalances of classic groups against a real broker: cooperative-sticky revoking only what
 * moves when a member joins (KIP-429), members leaving (LeaveGroup) and vanishing (no
 * LeaveGroup, found out by the session timeout) with no committed record read twice, and static
 * membership: a member restarting within its session keeps its partitions without a rebalance.
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

async function sixPartitions(prefix: string, records = 0): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic(admin, topic, 6);
  await produce(topic, records);
  return topic;
}

const produce = (topic: string, n: number, from = 0) =>
  producer.sendBatch(
    Array.from({ length: n }, (_, i) => ({ topic, partition: (from + i) % 6, value: String(from + i) })),
  );
const total = (members: Member[]) => members.reduce((n, m) => n + m.records.length, 0);

test('cooperative-sticky: a joining member takes one partition from each, nothing else is revoked', async () => {
  const topic = await sixPartitions('coop', 60);
  const groupId = uniqueTopic('coop-group');
  const options = (id: string) => fastGroup(tb.bootstrap, groupId, { assignors: ['cooperative-sticky'], clientId: id });
  const a = new Member(options('a')).start([topic]);
  const b = new Member(options('b')).start([topic]);
  await waitFor(
    'a and b with three each',
    () => partitionsCovered([a, b], partitionsOf(topic, 6)) && a.owned.length === 3,
  );
  const before = { a: a.owned, b: b.owned, aRevoked: a.revokedEvents.length, bRevoked: b.revokedEvents.length };

  const c = new Member(options('c')).start([topic]);
  const all = [a, b, c];
  await waitFor(
    'two each',
    () => partitionsCovered(all, partitionsOf(topic, 6)) && all.every((m) => m.owned.length === 2),
  );
  const revokedSince = (m: Member, from: number) => m.revokedEvents.slice(from).flat();
  assert.equal(revokedSince(a, before.aRevoked).length, 1, 'a gives up exactly one partition');
  assert.equal(revokedSince(b, before.bRevoked).length, 1, 'b gives up exactly one partition');
  assert.ok(a.owned.every((p) => before.a.includes(p)) && b.owned.every((p) => before.b.includes(p)));
  assert.deepEqual(
    [...revokedSince(a, before.aRevoked), ...revokedSince(b, before.bRevoked)]
      .map((p) => `${p.topic}-${p.partition}`)
      .sort(),
    c.owned,
  );
  assert.deepEqual([...a.lostEvents, ...b.lostEvents], []);
  await produce(topic, 60, 60);
  await waitFor('all records', () => total(all) >= 120);
  assert.deepEqual(duplicates(all), []);
  await Promise.all(all.map((m) => m.stop()));
});

test('members leaving and vanishing: partitions move, no committed record is read again', async () => {
  const topic = await sixPartitions('leave', 60);
  const groupId = uniqueTopic('leave-group');
  const commitEachPoll = async (m: Member) => m.consumer.commit();
  const options = fastGroup(tb.bootstrap, groupId, { autoCommit: false, sessionTimeoutMs: 2_000 });
  const [a, b, c] = [0, 1, 2].map(() => new Member(options, commitEachPoll).start([topic])) as [Member, Member, Member];
  const all = partitionsOf(topic, 6);
  await waitFor('three members, two each', () => partitionsCovered([a, b, c], all) && a.owned.length === 2);
  await waitFor('the first records', () => total([a, b, c]) >= 60);

  await c.stop('leave');
  await waitFor('a and b own everything', () => partitionsCovered([a, b], all));
  await produce(topic, 60, 60);
  await waitFor('records after the leave', () => total([a, b, c]) >= 120);

  // b stops without LeaveGroup, as if its process died: only the session timeout tells the group.
  const started = Date.now();
  await b.stop('remain');
  await waitFor('a owns everything', () => partitionsCovered([a], all), 15_000);
  assert.ok(Date.now() - started >= 1_000, 'the partitions moved only after the session timeout');
  await produce(topic, 60, 120);
  await waitFor('records after the session timeout', () => total([a, b, c]) >= 180);
  assert.deepEqual(duplicates([a, b, c]), []);
  assert.equal(total([a, b, c]), 180);
  for (const m of [a, b, c]) assert.equal(m.error, null);
  await a.stop();
});

test('static membership: a member restarting within its session keeps its partitions, no rebalance', async () => {
  const topic = await sixPartitions('static');
  const groupId = uniqueTopic('static-group');
  const options = (instance: string) =>
    fastGroup(tb.bootstrap, groupId, { groupInstanceId: instance, sessionTimeoutMs: 10_000 });
  const s1 = new Member(options('s1')).start([topic]);
  const s2 = new Member(options('s2')).start([topic]);
  let back: Member | undefined;
  try {
    // Settled: every partition owned, both members on the same generation, the group Stable.
    await waitFor('s1 and s2 with three each, on one generation', async () => {
      const g1 = s1.consumer.groupMetadata()?.generationId;
      const g2 = s2.consumer.groupMetadata()?.generationId;
      if (!(partitionsCovered([s1, s2], partitionsOf(topic, 6)) && s1.owned.length === 3 && g1 === g2)) return false;
      const [d] = await admin.describeGroups([groupId]);
      return d?.state === 'Stable';
    });
    const generation = s2.consumer.groupMetadata()!.generationId;
    const owned = s1.owned;
    const s2Events = { assigned: s2.assignedEvents.length, revoked: s2.revokedEvents.length };

    await s1.stop(); // a static member does not send LeaveGroup
    const [described] = await admin.describeGroups([groupId]);
    assert.equal(described!.members.length, 2, 'the static member stays in the group while away');
    back = new Member(options('s1')).start([topic]);
    const restarted = back;
    await waitFor('the restarted member owns its old partitions', () => restarted.owned.join() === owned.join());
    assert.equal(restarted.consumer.groupMetadata()!.generationId, generation, 'same generation: no rebalance');
    await new Promise((r) => setTimeout(r, 600)); // a few heartbeats: s2 would have been told to rejoin by now
    assert.equal(s2.assignedEvents.length, s2Events.assigned);
    assert.equal(s2.revokedEvents.length, s2Events.revoked);
    assert.equal(s2.consumer.groupMetadata()!.generationId, generation);
  } finally {
    await Promise.all([back?.stop('leave'), s2.stop('leave'), s1.stop('leave')].map((p) => p?.catch(() => {})));
  }
});
