/**
 * Offsets of groups without members expire after offsets.retention.minutes (KIP-211): the
 * coordinator writes tombstones to __consumer_offsets, so expired offsets stay gone after a
 * restart, while offsets of a group with members are kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { expireOffsets } from '../src/coordinator/offset-ops.js';
import { commit, findCoordinator, stableGroup } from './support/group-requests.js';
import { startGroupBroker } from './support/groups.js';
import { RawClient } from './support/raw-client.js';

const fetchOffset = async (raw: RawClient, groupId: string): Promise<bigint> => {
  const res = await raw.request(ApiKey.OffsetFetch, 7, {
    groupId,
    topics: [{ name: 'expiring', partitionIndexes: [0] }],
    requireStable: false,
  });
  return res.topics[0]!.partitions[0]!.committedOffset;
};

test('offsets of empty groups expire after offsets.retention.minutes; tombstones survive a restart', async () => {
  let tb = await startGroupBroker({ 'offsets.retention.minutes': '60' });
  let raw = await RawClient.connect(tb.port);
  try {
    await raw.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'expiring', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    for (const g of ['idle-group', 'busy-group']) await findCoordinator(raw, g);
    assert.equal(
      (await commit(raw, 'idle-group', 'expiring', [{ partition: 0, offset: 42 }])).topics[0]!.partitions[0]!.errorCode,
      ErrorCode.NONE,
    );
    const member = await stableGroup(raw, 'busy-group', { sessionTimeoutMs: 60_000 });
    const busyCommit = await commit(
      raw,
      'busy-group',
      'expiring',
      [{ partition: 0, offset: 7 }],
      member.generationId,
      member.memberId,
    );
    assert.equal(busyCommit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);

    const coordinator = tb.broker.groups;
    assert.equal(expireOffsets(coordinator, Date.now() + 59 * 60_000), 0, 'nothing is due before the retention');
    assert.equal(await fetchOffset(raw, 'idle-group'), 42n);
    assert.ok(expireOffsets(coordinator, Date.now() + 61 * 60_000) >= 1);
    assert.equal(await fetchOffset(raw, 'idle-group'), -1n, 'the empty group’s offset expired');
    assert.equal(await fetchOffset(raw, 'busy-group'), 7n, 'a group with members keeps its offsets');

    await raw.close();
    tb = await tb.restart();
    raw = await RawClient.connect(tb.port);
    await findCoordinator(raw, 'idle-group');
    assert.equal(await fetchOffset(raw, 'idle-group'), -1n, 'the tombstone was persisted');
    assert.equal(await fetchOffset(raw, 'busy-group'), 7n);
  } finally {
    await raw.close();
    await tb.stop();
  }
});
