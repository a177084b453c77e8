/**
 * Groups as the admin APIs see them: DescribeGroups (classic view of any group), ListGroups
 * (with state and type filters), DeleteGroups (empty groups only: tombstones for the group and
 * its offsets) and ConsumerGroupDescribe (KIP-848 groups).
 */
import { ErrorCode } from '@gregor/protocol';
import { ConsumerGroup, type Assignment } from './consumer-group.js';
import type { GroupCoordinator } from './coordinator.js';
import { ClassicGroup } from './group.js';
import type { CoordinatorRecord } from './records.js';

export interface GroupSummary {
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

const EMPTY = Buffer.alloc(0);

export function describeGroup(c: GroupCoordinator, groupId: string): GroupSummary {
  const group = c.groups.get(groupId);
  if (!group) return { groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
  if (group instanceof ConsumerGroup)
    return {
      groupId,
      groupState: group.state(),
      protocolType: 'consumer',
      protocolData: '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: EMPTY,
        memberAssignment: EMPTY,
      })),
    };
  const stable = group.state === 'Stable';
  return {
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? group.metadataFor(m, group.protocolName) : EMPTY,
      memberAssignment: stable ? m.assignment : EMPTY,
    })),
  };
}

export function listGroups(
  c: GroupCoordinator,
  statesFilter: string[],
  typesFilter: string[],
): { groupId: string; protocolType: string; groupState: string; groupType: string }[] {
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((s) => s.toLowerCase()));
  const out = [];
  for (const group of c.groups.values()) {
    if (c.coordinatorError(group.groupId) !== ErrorCode.NONE) continue;
    const classic = group instanceof ClassicGroup;
    const groupState = classic ? group.state : group.state();
    const groupType = classic ? 'classic' : 'consumer';
    if (groupState === 'Dead') continue;
    if (states.size > 0 && !states.has(groupState.toLowerCase())) continue;
    if (types.size > 0 && !types.has(groupType)) continue;
    out.push({
      groupId: group.groupId,
      protocolType: classic ? (group.protocolType ?? '') : 'consumer',
      groupState,
      groupType,
    });
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}

export function deleteGroup(c: GroupCoordinator, groupId: string): number {
  const group = c.groups.get(groupId);
  if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
  const records: CoordinatorRecord[] = c.offsets
    .all(groupId)
    .map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }));
  if (group instanceof ClassicGroup) {
    if (group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    records.push({ type: 'group', group: groupId, value: null });
  } else {
    if (group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    for (const id of group.targetAssignment.keys())
      records.push({ type: 'cg-target', group: groupId, memberId: id, value: null });
    records.push({ type: 'cg-target-epoch', group: groupId, value: null });
    records.push({ type: 'cg-epoch', group: groupId, value: null });
  }
  const error = c.append(groupId, records);
  if (error === ErrorCode.NONE) c.groups.delete(groupId);
  return error;
}

const describeAssignment = (c: GroupCoordinator, a: Assignment) => ({
  topicPartitions: [...a]
    .map(([topicId, ps]) => ({
      topicId,
      topicName: c.metadata.topicById(topicId)?.name ?? '',
      partitions: [...ps].sort((x, y) => x - y),
    }))
    .filter((t) => t.partitions.length > 0),
});

export function describeConsumerGroup(c: GroupCoordinator, groupId: string) {
  const group = c.groups.get(groupId);
  const base = {
    groupId,
    groupState: '',
    groupEpoch: -1,
    assignmentEpoch: -1,
    assignorName: '',
    members: [],
    authorizedOperations: -2147483648,
  };
  if (!(group instanceof ConsumerGroup))
    return {
      ...base,
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: group ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`,
    };
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    groupState: group.state(),
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.targetAssignmentEpoch,
    assignorName: group.preferredAssignor() ?? c.config.string('group.consumer.assignors').split(',')[0]!.trim(),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: describeAssignment(c, m.assigned),
      targetAssignment: describeAssignment(c, group.targetAssignment.get(m.memberId) ?? new Map()),
    })),
  };
}
