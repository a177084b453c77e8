/**
 * The KIP-848 consumer protocol over raw requests: ConsumerGroupHeartbeat join, the
 * revoke-then-assign reconciliation between two members with member epochs, fencing, leaving,
 * the uniform and range server-side assignors, ConsumerGroupDescribe, commits checked against
 * member epochs, ListGroups' type filter, and the whole group reloaded after a restart.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { TestBroker } from '../src/testing/index.js';
import { createTopic } from './support/admin-requests.js';
import { commit, findCoordinator, listGroups } from './support/group-requests.js';
import { startGroupBroker, waitFor } from './support/groups.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let raw: RawClient;
const ids = new Map<string, string>();

before(async () => {
  tb = await startGroupBroker({ 'group.consumer.heartbeat.interval.ms': '250' });
  raw = await RawClient.connect(tb.port);
  for (const [name, n] of [
    ['cg-six', 6],
    ['cg-a', 3],
    ['cg-b', 3],
  ] as const)
    await createTopic(raw, tb.bootstrap, name, n);
  const md = await raw.request(ApiKey.Metadata, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  for (const t of md.topics) ids.set(t.name!, t.topicId);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

type Owned = { topicId: string; partitions: number[] }[];

const hb = (
  groupId: string,
  memberId: string,
  memberEpoch: number,
  o: { topics?: string[] | null; owned?: Owned | null; assignor?: string | null; rebalanceTimeoutMs?: number } = {},
) =>
  raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
    groupId,
    memberId,
    memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? (memberEpoch === 0 ? 30_000 : -1),
    subscribedTopicNames: o.topics ?? null,
    subscribedTopicRegex: null,
    serverAssignor: o.assignor ?? null,
    topicPartitions: o.owned === undefined ? (memberEpoch === 0 ? [] : null) : o.owned,
  });

/** Partitions of `topic` in an assignment, sorted. */
const parts = (a: { topicPartitions: Owned } | null, topic: string): number[] =>
  (a?.topicPartitions.find((t) => t.topicId === ids.get(topic))?.partitions ?? []).slice().sort((x, y) => x - y);
const own = (topic: string, partitions: number[]): Owned => [{ topicId: ids.get(topic)!, partitions }];

const describe = async (groupId: string) =>
  (await raw.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false }))
    .groups[0]!;

test('join, revoke-then-assign between two members, fencing, leave', async () => {
  await findCoordinator(raw, 'cg');
  const a = randomUUID();
  const b = randomUUID();
  const ja = await hb('cg', a, 0, { topics: ['cg-six'], assignor: 'uniform' });
  assert.equal(ja.errorCode, ErrorCode.NONE);
  assert.equal(ja.memberId, a);
  assert.equal(ja.memberEpoch, 1);
  assert.equal(ja.heartbeatIntervalMs, 250);
  assert.deepEqual(parts(ja.assignment, 'cg-six'), [0, 1, 2, 3, 4, 5]);

  // B joins: the target splits the partitions, but A still holds them all, so B waits with none.
  const jb = await hb('cg', b, 0, { topics: ['cg-six'] });
  assert.equal(jb.memberEpoch, 2);
  assert.deepEqual(parts(jb.assignment, 'cg-six'), []);
  let g = await describe('cg');
  assert.equal(g.groupState, 'Reconciling');
  assert.equal(g.groupEpoch, 2);
  assert.equal(g.assignmentEpoch, 2);

  // A is told to give up half: it stays at epoch 1 until it says it no longer owns them.
  const revoke = await hb('cg', a, 1, { owned: own('cg-six', [0, 1, 2, 3, 4, 5]) });
  assert.equal(revoke.memberEpoch, 1);
  const kept = parts(revoke.assignment, 'cg-six');
  assert.equal(kept.length, 3);
  const done = await hb('cg', a, 1, { owned: own('cg-six', kept) });
  assert.equal(done.memberEpoch, 2);
  // Now B gets the released partitions.
  const got = await hb('cg', b, 2, { owned: [] });
  assert.equal(got.memberEpoch, 2);
  assert.deepEqual([...kept, ...parts(got.assignment, 'cg-six')].sort(), [0, 1, 2, 3, 4, 5]);
  g = await describe('cg');
  assert.equal(g.groupState, 'Stable');
  assert.equal(g.assignorName, 'uniform');
  assert.deepEqual(
    g.members.map((m) => [
      m.memberEpoch,
      m.assignment.topicPartitions[0]!.partitions.length,
      m.assignment.topicPartitions[0]!.topicName,
    ]),
    [
      [2, 3, 'cg-six'],
      [2, 3, 'cg-six'],
    ],
  );

  // Fencing: an epoch from the future, or a member the group does not know.
  assert.equal((await hb('cg', a, 5)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal((await hb('cg', randomUUID(), 2)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // Commits carry the member epoch.
  const stale = await commit(raw, 'cg', 'cg-six', [{ partition: 0, offset: 3 }], 1, a, 9);
  assert.equal(stale.topics[0]!.partitions[0]!.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  const ok = await commit(raw, 'cg', 'cg-six', [{ partition: 0, offset: 3 }], 2, a, 9);
  assert.equal(ok.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    (await listGroups(raw, [], ['consumer'])).map((l) => [l.groupId, l.groupState, l.protocolType]),
    [['cg', 'Stable', 'consumer']],
  );

  // B leaves: the group epoch moves on and A reconciles to every partition.
  const left = await hb('cg', b, -1);
  assert.equal(left.errorCode, ErrorCode.NONE);
  assert.equal(left.memberEpoch, -1);
  const all = await hb('cg', a, 2, { owned: own('cg-six', kept) });
  assert.equal(all.memberEpoch, 3);
  assert.deepEqual(parts(all.assignment, 'cg-six'), [0, 1, 2, 3, 4, 5]);
  assert.equal((await describe('cg')).members.length, 1);
});

test('range assignor: contiguous ranges of each subscribed topic', async () => {
  await findCoordinator(raw, 'cg-range');
  const [m1, m2] = [randomUUID(), randomUUID()].sort();
  await hb('cg-range', m1!, 0, { topics: ['cg-a', 'cg-b'], assignor: 'range' });
  await hb('cg-range', m2!, 0, { topics: ['cg-a', 'cg-b'], assignor: 'range' });
  const g = await describe('cg-range');
  assert.equal(g.assignorName, 'range');
  const target = new Map(
    g.members.map((m) => [
      m.memberId,
      Object.fromEntries(m.targetAssignment.topicPartitions.map((t) => [t.topicName, t.partitions])),
    ]),
  );
  assert.deepEqual(target.get(m1!), { 'cg-a': [0, 1], 'cg-b': [0, 1] });
  assert.deepEqual(target.get(m2!), { 'cg-a': [2], 'cg-b': [2] });
});

test('invalid heartbeats: unknown assignor, missing fields, classic groups', async () => {
  await findCoordinator(raw, 'cg-bad');
  assert.equal(
    (await hb('cg-bad', randomUUID(), 0, { topics: ['cg-a'], assignor: 'sticky' })).errorCode,
    ErrorCode.UNSUPPORTED_ASSIGNOR,
  );
  assert.equal((await hb('cg-bad', randomUUID(), 0, { topics: null })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await hb('cg-bad', '', 0, { topics: ['cg-a'] })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(
    (await hb('cg-bad', randomUUID(), 0, { topics: ['cg-a'], rebalanceTimeoutMs: -1 })).errorCode,
    ErrorCode.INVALID_REQUEST,
  );
  assert.equal((await describe('nope')).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('a consumer group is reloaded whole after a restart', { timeout: 30_000 }, async () => {
  await findCoordinator(raw, 'cg-persist');
  const m = randomUUID();
  await hb('cg-persist', m, 0, { topics: ['cg-a'] });
  const before = await describe('cg-persist');
  await raw.close();
  tb = await tb.restart();
  raw = await RawClient.connect(tb.port);
  const after = await waitFor('the group loaded', async () => {
    const d = await describe('cg-persist');
    return d.errorCode === ErrorCode.NONE && d;
  });
  assert.deepEqual(after, before);
  assert.equal((await hb('cg-persist', m, 1)).errorCode, ErrorCode.NONE);
});
