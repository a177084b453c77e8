/**
 * The requests of one classic rebalance round, as functions of the member's state: JoinGroup
 * with the member's subscription under every assignor it offers, the leader's assignment, and
 * SyncGroup. They return the broker's error code for the membership to act on.
 */
import { ApiKey, ErrorCode, type JoinGroupResponse } from '@gregor/protocol';
import { KafkaClientError, ClientErrorCode } from '../errors.js';
import type { TopicPartition } from '../types.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import type { GroupCoordinator } from './coordinator.js';
import type { TopicSubscription } from './topic-subscription.js';
import type { MemberSubscription, RebalanceProtocol, ResolvedGroupOptions } from './types.js';

export const PROTOCOL_TYPE = 'consumer';

export interface JoinState {
  memberId: string;
  generation: number;
  owned: TopicPartition[];
  protocol: RebalanceProtocol;
  reason: string | null;
}

export async function joinGroup(
  coordinator: GroupCoordinator,
  options: ResolvedGroupOptions,
  topics: readonly string[],
  state: JoinState,
  requestTimeoutMs: number,
): Promise<JoinGroupResponse> {
  const metadata = encodeSubscription({
    topics,
    // Under eager rebalancing everything was revoked before joining.
    ownedPartitions: state.protocol === 'cooperative' ? state.owned : [],
    generation: state.generation,
    userData: null,
    rackId: null,
  });
  return coordinator.send(
    ApiKey.JoinGroup,
    {
      groupId: options.groupId,
      sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs,
      memberId: state.memberId,
      groupInstanceId: options.groupInstanceId,
      protocolType: PROTOCOL_TYPE,
      protocols: options.assignors.map((a) => ({ name: a.name, metadata })),
      reason: state.reason,
    },
    // The answer comes when every member has rejoined, up to the rebalance timeout (Kafka adds 5 s).
    { timeoutMs: Math.max(requestTimeoutMs, options.rebalanceTimeoutMs + 5_000) },
  );
}

/** The leader's work: decode every member's subscription and run the agreed assignor. */
export async function computeAssignments(
  options: ResolvedGroupOptions,
  join: JoinGroupResponse,
  subscription: TopicSubscription,
): Promise<{ memberId: string; assignment: Buffer }[]> {
  const assignor = options.assignors.find((a) => a.name === join.protocolName);
  if (!assignor)
    throw new KafkaClientError(
      ClientErrorCode.IllegalState,
      `the group chose assignor '${join.protocolName ?? ''}', which this consumer does not have`,
    );
  const members: MemberSubscription[] = join.members.map((m) => {
    const s = decodeSubscription(m.metadata);
    return {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics: [...s.topics],
      ownedPartitions: [...s.ownedPartitions],
      generation: s.generation,
      userData: s.userData,
      rackId: s.rackId,
    };
  });
  const counts = await subscription.partitionCounts([...new Set(members.flatMap((m) => m.topics))]);
  const result = assignor.assign(members, counts);
  return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? []) }));
}

export async function syncGroup(
  coordinator: GroupCoordinator,
  options: ResolvedGroupOptions,
  join: JoinGroupResponse,
  assignments: { memberId: string; assignment: Buffer }[],
): Promise<{ errorCode: number; partitions: TopicPartition[] }> {
  const res = await coordinator.send(ApiKey.SyncGroup, {
    groupId: options.groupId,
    generationId: join.generationId,
    memberId: join.memberId,
    groupInstanceId: options.groupInstanceId,
    protocolType: PROTOCOL_TYPE,
    protocolName: join.protocolName,
    assignments,
  });
  if (res.errorCode !== ErrorCode.NONE) return { errorCode: res.errorCode, partitions: [] };
  return { errorCode: ErrorCode.NONE, partitions: decodeAssignment(res.assignment) };
}

export async function heartbeat(
  coordinator: GroupCoordinator,
  options: ResolvedGroupOptions,
  memberId: string,
  generation: number,
): Promise<number> {
  const res = await coordinator.send(ApiKey.Heartbeat, {
    groupId: options.groupId,
    generationId: generation,
    memberId,
    groupInstanceId: options.groupInstanceId,
  });
  return res.errorCode;
}

export async function leaveGroup(
  coordinator: GroupCoordinator,
  options: ResolvedGroupOptions,
  memberId: string,
): Promise<void> {
  await coordinator.send(ApiKey.LeaveGroup, (version) =>
    version >= 3
      ? {
          groupId: options.groupId,
          members: [{ memberId, groupInstanceId: options.groupInstanceId, reason: 'the consumer is closing' }],
        }
      : { groupId: options.groupId, memberId },
  );
}
