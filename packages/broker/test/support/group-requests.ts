/** Raw-protocol helpers for the group tests: FindCoordinator, JoinGroup/SyncGroup rounds, commits. */
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { RawClient } from './raw-client.js';

export const PROTOCOL = { name: 'range', metadata: Buffer.from('subscription') };

export async function findCoordinator(raw: RawClient, groupId: string): Promise<void> {
  const res = await raw.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0 });
  assert.equal(res.errorCode, ErrorCode.NONE);
}

export interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocols?: { name: string; metadata: Buffer }[];
  version?: number;
}

export const join = (raw: RawClient, groupId: string, o: JoinOptions = {}) =>
  raw.request(ApiKey.JoinGroup, o.version ?? 7, {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 5_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.groupInstanceId ?? null,
    protocolType: 'consumer',
    protocols: o.protocols ?? [PROTOCOL],
    reason: null,
  });

/** Joins as a new dynamic member (MEMBER_ID_REQUIRED first) and returns the completed join. */
export async function joinNew(raw: RawClient, groupId: string, o: JoinOptions = {}) {
  const first = await join(raw, groupId, o);
  if (o.groupInstanceId) return first;
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  return join(raw, groupId, { ...o, memberId: first.memberId });
}

export const sync = (
  raw: RawClient,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: { memberId: string; assignment: Buffer }[] = [],
  groupInstanceId: string | null = null,
) =>
  raw.request(ApiKey.SyncGroup, 5, {
    groupId,
    generationId,
    memberId,
    groupInstanceId,
    protocolType: 'consumer',
    protocolName: PROTOCOL.name,
    assignments,
  });

export const heartbeat = (
  raw: RawClient,
  groupId: string,
  generationId: number,
  memberId: string,
  groupInstanceId: string | null = null,
) => raw.request(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId });

/** A one-member Stable group: join, sync with an assignment. */
export async function stableGroup(raw: RawClient, groupId: string, o: JoinOptions = {}) {
  await findCoordinator(raw, groupId);
  const joined = await joinNew(raw, groupId, o);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  const synced = await sync(
    raw,
    groupId,
    joined.generationId,
    joined.memberId,
    [{ memberId: joined.memberId, assignment: Buffer.from('mine') }],
    o.groupInstanceId ?? null,
  );
  assert.equal(synced.errorCode, ErrorCode.NONE);
  return joined;
}

export const commit = (
  raw: RawClient,
  groupId: string,
  topic: string,
  partitions: { partition: number; offset: number; epoch?: number; metadata?: string | null }[],
  generationIdOrMemberEpoch = -1,
  memberId = '',
  version = 8,
) =>
  raw.request(ApiKey.OffsetCommit, version, {
    groupId,
    generationIdOrMemberEpoch,
    memberId,
    groupInstanceId: null,
    topics: [
      {
        name: topic,
        partitions: partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: BigInt(p.offset),
          committedLeaderEpoch: p.epoch ?? -1,
          committedMetadata: p.metadata ?? null,
        })),
      },
    ],
  });

export const listGroups = async (raw: RawClient, statesFilter: string[] = [], typesFilter: string[] = []) =>
  (await raw.request(ApiKey.ListGroups, 5, { statesFilter, typesFilter })).groups;
