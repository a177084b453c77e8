/**
 * Group protocol details over raw requests, beyond what kafkajs exercises: FindCoordinator
 * (batched keys, transaction keys), MEMBER_ID_REQUIRED, invalid session timeouts, generations,
 * static membership, batched LeaveGroup, simple and member commits (metadata and leader epochs
 * kept), multi-group OffsetFetch, OffsetDelete, DeleteGroups and ListGroups filters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { TestBroker } from '../src/testing/index.js';
import { createTopic } from './support/admin-requests.js';
import {
  commit,
  findCoordinator,
  heartbeat,
  join,
  joinNew,
  listGroups,
  stableGroup,
  sync,
} from './support/group-requests.js';
import { startGroupBroker } from './support/groups.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let raw: RawClient;

before(async () => {
  tb = await startGroupBroker();
  raw = await RawClient.connect(tb.port);
  await createTopic(raw, tb.bootstrap, 'raw-t', 3);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

test('FindCoordinator: single and batched group keys, transaction keys not yet', async () => {
  const v3 = await raw.request(ApiKey.FindCoordinator, 3, { key: 'g', keyType: 0 });
  assert.equal(v3.errorCode, ErrorCode.NONE);
  assert.equal(v3.nodeId, 0);
  assert.equal(v3.port, tb.port);
  const v0 = await raw.request(ApiKey.FindCoordinator, 0, { key: 'g' });
  assert.equal(v0.errorCode, ErrorCode.NONE);
  const v4 = await raw.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
  assert.deepEqual(
    v4.coordinators.map((c) => [c.key, c.errorCode, c.port]),
    [
      ['a', ErrorCode.NONE, tb.port],
      ['b', ErrorCode.NONE, tb.port],
    ],
  );
  const txn = await raw.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx'] });
  assert.equal(txn.coordinators[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const md = await raw.request(ApiKey.Metadata, 12, {
    topics: [{ name: '__consumer_offsets', topicId: '' }].map((t) => ({ ...t, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(md.topics[0]!.isInternal, true);
  assert.equal(md.topics[0]!.partitions.length, 4);
});

test('JoinGroup v4+: MEMBER_ID_REQUIRED, then the join completes; v3 joins at once', async () => {
  await findCoordinator(raw, 'mir');
  const first = await join(raw, 'mir');
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^raw-client-/);
  const second = await join(raw, 'mir', { memberId: first.memberId });
  assert.equal(second.errorCode, ErrorCode.NONE);
  assert.equal(second.generationId, 1);
  assert.equal(second.leader, first.memberId);
  assert.equal(second.protocolName, 'range');
  assert.deepEqual(
    second.members.map((m) => m.memberId),
    [first.memberId],
  );
  const old = await join(raw, 'mir-v3', { version: 3 });
  assert.equal(old.errorCode, ErrorCode.NONE);
  assert.notEqual(old.memberId, '');
});

test('invalid session timeouts and group ids', async () => {
  await findCoordinator(raw, 'sess');
  assert.equal((await join(raw, 'sess', { sessionTimeoutMs: 500 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await join(raw, 'sess', { sessionTimeoutMs: 1_800_001 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await join(raw, '')).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await join(raw, 'sess', { memberId: 'nobody' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('generations: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS', async () => {
  const joined = await stableGroup(raw, 'gen');
  assert.equal((await heartbeat(raw, 'gen', joined.generationId, joined.memberId)).errorCode, ErrorCode.NONE);
  assert.equal(
    (await heartbeat(raw, 'gen', joined.generationId + 1, joined.memberId)).errorCode,
    ErrorCode.ILLEGAL_GENERATION,
  );
  assert.equal((await heartbeat(raw, 'gen', joined.generationId, 'stranger')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await sync(raw, 'gen', 99, joined.memberId)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  const stale = await commit(
    raw,
    'gen',
    'raw-t',
    [{ partition: 0, offset: 1 }],
    joined.generationId - 1,
    joined.memberId,
  );
  assert.equal(stale.topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  const stranger = await commit(raw, 'gen', 'raw-t', [{ partition: 0, offset: 1 }], joined.generationId, 'stranger');
  assert.equal(stranger.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // A second member joining puts the group into PreparingRebalance: the first hears it on its heartbeat.
  const other = await RawClient.connect(tb.port);
  try {
    const pending = joinNew(other, 'gen');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      (await heartbeat(raw, 'gen', joined.generationId, joined.memberId)).errorCode,
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const rejoined = await join(raw, 'gen', { memberId: joined.memberId });
    const second = await pending;
    assert.equal(rejoined.generationId, joined.generationId + 1);
    assert.equal(second.generationId, joined.generationId + 1);
    assert.equal(rejoined.members.length + second.members.length, 2, 'only the leader gets the member list');
  } finally {
    await other.close();
  }
});

test('static membership: a rejoin with the same instance id fences the old member id', async () => {
  const first = await stableGroup(raw, 'static', { groupInstanceId: 'instance-1' });
  assert.equal(first.errorCode, ErrorCode.NONE);
  const again = await join(raw, 'static', { groupInstanceId: 'instance-1' });
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.notEqual(again.memberId, first.memberId);
  assert.equal(again.generationId, first.generationId, 'no rebalance for a static member coming back');
  const fenced = await heartbeat(raw, 'static', first.generationId, first.memberId, 'instance-1');
  assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(
    (await heartbeat(raw, 'static', again.generationId, again.memberId, 'instance-1')).errorCode,
    ErrorCode.NONE,
  );
  const stillMine = await sync(raw, 'static', again.generationId, again.memberId, [], 'instance-1');
  assert.equal(stillMine.assignment.toString(), 'mine');
});

test('LeaveGroup: a batch of members by member id and by instance id, each with its error', async () => {
  await findCoordinator(raw, 'leave');
  const a = await RawClient.connect(tb.port);
  const b = await RawClient.connect(tb.port);
  try {
    const [ja, jb] = await Promise.all([
      join(a, 'leave', { groupInstanceId: 'ia' }),
      join(b, 'leave', { groupInstanceId: 'ib' }),
    ]);
    assert.equal(ja.errorCode, ErrorCode.NONE);
    assert.equal(jb.errorCode, ErrorCode.NONE);
    const res = await raw.request(ApiKey.LeaveGroup, 5, {
      groupId: 'leave',
      members: [
        { memberId: ja.memberId, groupInstanceId: 'ia', reason: 'test' },
        { memberId: '', groupInstanceId: 'ib', reason: null },
        { memberId: 'ghost', groupInstanceId: null, reason: null },
        { memberId: 'wrong', groupInstanceId: 'ia', reason: null },
      ],
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      res.members.map((m) => m.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID],
    );
    const described = await raw.request(ApiKey.DescribeGroups, 5, {
      groups: ['leave'],
      includeAuthorizedOperations: false,
    });
    assert.equal(described.groups[0]!.groupState, 'Empty');
    const v0 = await raw.request(ApiKey.LeaveGroup, 0, { groupId: 'leave', memberId: 'ghost' });
    assert.equal(v0.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  } finally {
    await a.close();
    await b.close();
  }
});

test('commits: simple commits, metadata and leader epochs kept, multi-group OffsetFetch', async () => {
  await findCoordinator(raw, 'simple');
  const res = await commit(raw, 'simple', 'raw-t', [
    { partition: 0, offset: 42, epoch: 3, metadata: 'meta-0' },
    { partition: 1, offset: 7, metadata: null },
    { partition: 9, offset: 1 },
  ]);
  assert.deepEqual(
    res.topics[0]!.partitions.map((p) => p.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  );
  const tooLarge = await commit(raw, 'simple', 'raw-t', [{ partition: 2, offset: 1, metadata: 'x'.repeat(5000) }]);
  assert.equal(tooLarge.topics[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_METADATA_TOO_LARGE);
  const unknown = await commit(raw, 'nobody-home', 'raw-t', [{ partition: 0, offset: 1 }], 3, 'member');
  assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  const unknownV9 = await commit(raw, 'nobody-home', 'raw-t', [{ partition: 0, offset: 1 }], 3, 'member', 9);
  assert.equal(unknownV9.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  await findCoordinator(raw, 'simple-2');
  await commit(raw, 'simple-2', 'raw-t', [{ partition: 2, offset: 5 }]);
  const fetched = await raw.request(ApiKey.OffsetFetch, 8, {
    groups: [
      { groupId: 'simple', topics: [{ name: 'raw-t', partitionIndexes: [0, 1, 2] }] },
      { groupId: 'simple-2', topics: null },
      { groupId: 'never-seen', topics: [{ name: 'raw-t', partitionIndexes: [0] }] },
    ],
    requireStable: false,
  });
  const view = fetched.groups.map((g) => ({
    groupId: g.groupId,
    errorCode: g.errorCode,
    offsets: g.topics.flatMap((t) =>
      t.partitions.map((p) => [
        t.name,
        p.partitionIndex,
        Number(p.committedOffset),
        p.committedLeaderEpoch,
        p.metadata,
      ]),
    ),
  }));
  assert.deepEqual(view, [
    {
      groupId: 'simple',
      errorCode: 0,
      offsets: [
        ['raw-t', 0, 42, 3, 'meta-0'],
        ['raw-t', 1, 7, -1, ''],
        ['raw-t', 2, -1, -1, ''],
      ],
    },
    { groupId: 'simple-2', errorCode: 0, offsets: [['raw-t', 2, 5, -1, '']] },
    { groupId: 'never-seen', errorCode: 0, offsets: [['raw-t', 0, -1, -1, '']] },
  ]);
  const single = await raw.request(ApiKey.OffsetFetch, 1, {
    groupId: 'simple',
    topics: [{ name: 'raw-t', partitionIndexes: [0] }],
  });
  assert.equal(single.topics[0]!.partitions[0]!.committedOffset, 42n);
});

test('OffsetDelete, DeleteGroups and ListGroups filters', async () => {
  const joined = await stableGroup(raw, 'busy');
  const c = await commit(raw, 'busy', 'raw-t', [{ partition: 0, offset: 9 }], joined.generationId, joined.memberId);
  assert.equal(c.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  await findCoordinator(raw, 'idle');
  await commit(raw, 'idle', 'raw-t', [
    { partition: 0, offset: 1 },
    { partition: 1, offset: 2 },
  ]);

  const stable = await listGroups(raw, ['stable']);
  assert.deepEqual(
    stable
      .filter((g) => g.groupId === 'busy' || g.groupId === 'idle')
      .map((g) => [g.groupId, g.groupState, g.groupType]),
    [['busy', 'Stable', 'classic']],
  );
  const empty = await listGroups(raw, ['Empty'], ['classic']);
  assert.ok(empty.some((g) => g.groupId === 'idle'));
  assert.ok(!empty.some((g) => g.groupId === 'busy'));
  assert.deepEqual(await listGroups(raw, [], ['consumer']), []);

  // The busy group's protocol metadata is not a consumer subscription: it cannot drop offsets while it has members.
  const busyDelete = await raw.request(ApiKey.OffsetDelete, 0, {
    groupId: 'busy',
    topics: [{ name: 'raw-t', partitions: [{ partitionIndex: 0 }] }],
  });
  assert.equal(busyDelete.errorCode, ErrorCode.NON_EMPTY_GROUP);
  const idleDelete = await raw.request(ApiKey.OffsetDelete, 0, {
    groupId: 'idle',
    topics: [{ name: 'raw-t', partitions: [{ partitionIndex: 0 }, { partitionIndex: 7 }] }],
  });
  assert.equal(idleDelete.errorCode, ErrorCode.NONE);
  assert.deepEqual(
    idleDelete.topics[0]!.partitions.map((p) => p.errorCode),
    [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  );
  const missing = await raw.request(ApiKey.OffsetDelete, 0, { groupId: 'no-such', topics: [] });
  assert.equal(missing.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const left = await raw.request(ApiKey.OffsetFetch, 7, { groupId: 'idle', topics: null, requireStable: false });
  assert.deepEqual(
    left.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)])),
    [[1, 2]],
  );

  const deleted = await raw.request(ApiKey.DeleteGroups, 2, { groupsNames: ['busy', 'idle', 'no-such'] });
  assert.deepEqual(
    deleted.results.map((r) => [r.groupId, r.errorCode]),
    [
      ['busy', ErrorCode.NON_EMPTY_GROUP],
      ['idle', ErrorCode.NONE],
      ['no-such', ErrorCode.GROUP_ID_NOT_FOUND],
    ],
  );
  const afterDelete = await raw.request(ApiKey.OffsetFetch, 7, { groupId: 'idle', topics: null, requireStable: false });
  assert.deepEqual(afterDelete.topics, []);
  assert.ok(!(await listGroups(raw)).some((g) => g.groupId === 'idle'));
});
