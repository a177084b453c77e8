/**
 * A JoinGroup without a rebalance timeout — v0, which has none, or v1+ with 0, as kafkajs's bare
 * joinGroup sends — gets the session timeout for its deadlines, so a SyncGroup sent a little
 * after the join still finds the member; a member that never syncs is dropped once that session
 * timeout has passed, and one with an explicit rebalance timeout keeps it.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { TestBroker } from '../src/testing/index.js';
import { findCoordinator, heartbeat, join, joinNew, sync } from './support/group-requests.js';
import { startGroupBroker, waitFor } from './support/groups.js';
import { RawClient } from './support/raw-client.js';

let tb: TestBroker;
let raw: RawClient;

before(async () => {
  tb = await startGroupBroker();
  raw = await RawClient.connect(tb.port);
  // The first FindCoordinator creates __consumer_offsets; groups are served from then on.
  await waitFor('the group coordinator', async () => {
    await findCoordinator(raw, 'any');
    return (await join(raw, 'probe')).errorCode !== ErrorCode.NOT_COORDINATOR;
  });
});
after(async () => {
  await raw.close();
  await tb.stop();
});

const describeGroup = async (groupId: string) =>
  (await raw.request(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false })).groups[0]!;

test('rebalance_timeout_ms=0: SyncGroup 1.5 s after the join completes still succeeds', async () => {
  const joined = await joinNew(raw, 'zero-rebalance', { rebalanceTimeoutMs: 0, sessionTimeoutMs: 6000 });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  await sleep(1500);
  const assignment = Buffer.from('all of it');
  const synced = await sync(raw, 'zero-rebalance', joined.generationId, joined.memberId, [
    { memberId: joined.memberId, assignment },
  ]);
  assert.equal(synced.errorCode, ErrorCode.NONE);
  assert.deepEqual(Buffer.from(synced.assignment), assignment);
  const hb = await heartbeat(raw, 'zero-rebalance', joined.generationId, joined.memberId);
  assert.equal(hb.errorCode, ErrorCode.NONE);
  const group = await describeGroup('zero-rebalance');
  assert.equal(group.groupState, 'Stable');
  assert.deepEqual(
    group.members.map((m) => m.memberId),
    [joined.memberId],
  );
});

test('JoinGroup v0 (no rebalance timeout field) also waits the session timeout for SyncGroup', async () => {
  const joined = await join(raw, 'v0-join', { version: 0, sessionTimeoutMs: 6000 });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  await sleep(1500);
  const synced = await sync(raw, 'v0-join', joined.generationId, joined.memberId, [
    { memberId: joined.memberId, assignment: Buffer.from('a') },
  ]);
  assert.equal(synced.errorCode, ErrorCode.NONE);
});

test('a member that never syncs is removed after its session timeout, not at once', async () => {
  const joined = await joinNew(raw, 'never-syncs', { rebalanceTimeoutMs: 0, sessionTimeoutMs: 2000 });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const started = Date.now();
  await sleep(1000);
  assert.equal((await describeGroup('never-syncs')).members.length, 1, 'still a member after 1 s');
  await waitFor('the member to be removed', async () => (await describeGroup('never-syncs')).members.length === 0);
  assert.ok(Date.now() - started >= 1500, 'removed only once the session timeout passed');
});

test('an explicit rebalance timeout still bounds the wait for SyncGroup', async () => {
  const joined = await joinNew(raw, 'short-rebalance', { rebalanceTimeoutMs: 300, sessionTimeoutMs: 30_000 });
  assert.equal(joined.errorCode, ErrorCode.NONE);
  await waitFor('the member to be removed', async () => (await describeGroup('short-rebalance')).members.length === 0);
  const synced = await sync(raw, 'short-rebalance', joined.generationId, joined.memberId);
  assert.equal(synced.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});
