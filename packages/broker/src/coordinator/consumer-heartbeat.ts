/**
 * ConsumerGroupHeartbeat (KIP-848): one request does join (epoch 0), heartbeat and reconcile
 * (epoch > 0) and leave (-1; -2 for a static member leaving for now). A heartbeat computes the
 * records it implies (member subscription, group epoch bump, new target assignment from the
 * server-side assignor, the member's next epoch and partitions) and appends them; their replay
 * changes the group. Reconciliation follows Kafka's: a member first gives up partitions no
 * longer in its target (it stays at its epoch, UNREVOKED_PARTITIONS, until its heartbeat shows
 * they are gone), then moves to the target epoch and gets the target partitions no other member
 * still holds (UNRELEASED_PARTITIONS until they are free).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@gregor/protocol';
import { splitList } from '../config/broker-config.js';
import { ASSIGNORS, type AssignorTopic } from './assignors/index.js';
import { ConsumerGroup, fromAssignment, MemberState, sameAssignment, toAssignment } from './consumer-group.js';
import type { Assignment, ConsumerMember } from './consumer-group.js';
import type { GroupCoordinator } from './coordinator.js';
import { ClassicGroup } from './group.js';
import type { CoordinatorRecord } from './records.js';

export interface HeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface HeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
}

const sessionKey = (g: string, m: string) => `consumer/${g}/session/${m}`;

export function consumerHeartbeat(c: GroupCoordinator, req: HeartbeatRequest): HeartbeatResult {
  const interval = c.config.int('group.consumer.heartbeat.interval.ms');
  const fail = (errorCode: number, errorMessage: string | null = null): HeartbeatResult => ({
    errorCode,
    errorMessage,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  });
  const assignors = splitList(c.config.string('group.consumer.assignors'));
  if (req.groupId === '') return fail(ErrorCode.INVALID_REQUEST, 'GroupId can not be empty.');
  if (req.memberEpoch === 0) {
    if (req.apiVersion >= 1 && req.memberId === '')
      return fail(ErrorCode.INVALID_REQUEST, 'MemberId can not be empty.');
    if (req.rebalanceTimeoutMs === -1)
      return fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0)
      return fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null)
      return fail(
        ErrorCode.INVALID_REQUEST,
        'SubscribedTopicNames or SubscribedTopicRegex must be set in first request.',
      );
  } else if (req.memberId === '') return fail(ErrorCode.INVALID_REQUEST, 'MemberId can not be empty.');
  else if (req.memberEpoch < -2) return fail(ErrorCode.INVALID_REQUEST, `MemberEpoch ${req.memberEpoch} is invalid.`);
  if (req.subscribedTopicRegex !== null)
    return fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicRegex is not supported by this broker yet.');
  if (req.serverAssignor !== null && !assignors.includes(req.serverAssignor))
    return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported.`);

  const existing = c.groups.get(req.groupId);
  const records: CoordinatorRecord[] = [];
  if (existing instanceof ClassicGroup) {
    if (existing.members.size > 0 || existing.state !== 'Empty')
      return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
    if (req.memberEpoch !== 0) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (existing.generationId > 0) records.push({ type: 'group', group: req.groupId, value: null });
  }
  const group = existing instanceof ConsumerGroup ? existing : new ConsumerGroup(req.groupId);
  const member = group.members.get(req.memberId);

  if (req.memberEpoch < 0) {
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const error = c.append(req.groupId, [...records, ...removalRecords(c, group, member.memberId)]);
    if (error !== ErrorCode.NONE) return fail(error);
    c.timers.cancel(sessionKey(req.groupId, req.memberId));
    return { ...fail(ErrorCode.NONE), memberId: req.memberId, memberEpoch: req.memberEpoch };
  }
  if (req.memberEpoch === 0) {
    if (req.instanceId !== null) {
      const holder = group.staticMember(req.instanceId);
      if (holder && holder.memberId !== req.memberId) {
        if (holder.memberEpoch !== -2) return fail(ErrorCode.UNRELEASED_INSTANCE_ID);
        records.push(...removalRecords(c, group, holder.memberId, false));
      }
    }
  } else {
    if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const ownsOnlyAssigned =
      req.topicPartitions !== null &&
      req.topicPartitions.every((t) => t.partitions.every((p) => member!.assigned.get(t.topicId)?.has(p)));
    if (
      req.memberEpoch > member.memberEpoch ||
      (req.memberEpoch < member.memberEpoch && !(req.memberEpoch === member.previousMemberEpoch && ownsOnlyAssigned))
    )
      return fail(ErrorCode.FENCED_MEMBER_EPOCH);
  }
  const memberId = req.memberId !== '' ? req.memberId : randomUUID();
  const before = member;
  const updated: ConsumerMember = {
    memberId,
    instanceId: req.instanceId ?? member?.instanceId ?? null,
    rackId: req.rackId ?? member?.rackId ?? null,
    clientId: req.clientId,
    clientHost: req.clientHost,
    subscribedTopicNames: req.subscribedTopicNames ?? member?.subscribedTopicNames ?? [],
    subscribedTopicRegex: null,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : (member?.rebalanceTimeoutMs ?? -1),
    serverAssignor: req.serverAssignor ?? member?.serverAssignor ?? null,
    memberEpoch: member?.memberEpoch ?? 0,
    previousMemberEpoch: member?.previousMemberEpoch ?? 0,
    state: member?.state ?? MemberState.STABLE,
    assigned: member?.assigned ?? new Map(),
    pendingRevocation: member?.pendingRevocation ?? new Map(),
  };
  const subscriptionChanged =
    !member ||
    member.subscribedTopicNames.length !== updated.subscribedTopicNames.length ||
    member.subscribedTopicNames.some((t, i) => updated.subscribedTopicNames[i] !== t) ||
    member.serverAssignor !== updated.serverAssignor;
  if (
    !member ||
    subscriptionChanged ||
    member.rebalanceTimeoutMs !== updated.rebalanceTimeoutMs ||
    member.clientId !== updated.clientId ||
    member.instanceId !== updated.instanceId
  )
    records.push({
      type: 'cg-member',
      group: req.groupId,
      memberId,
      value: { ...updated, classicMemberMetadata: null },
    });
  let groupEpoch = group.groupEpoch;
  if (subscriptionChanged) {
    groupEpoch = Math.max(group.groupEpoch, group.targetAssignmentEpoch) + 1;
    records.push({ type: 'cg-epoch', group: req.groupId, value: { epoch: groupEpoch } });
  }
  // The target assignment of every member, recomputed when the group epoch moved past it.
  const members = new Map(group.members);
  members.set(memberId, updated);
  for (const r of records)
    if (r.type === 'cg-member' && r.memberId !== memberId && r.value === null) members.delete(r.memberId);
  let target = group.targetAssignment;
  let targetEpoch = group.targetAssignmentEpoch;
  if (groupEpoch > group.targetAssignmentEpoch) {
    target = computeTarget(c, group, members, assignors);
    targetEpoch = groupEpoch;
    for (const [id, a] of target)
      if (!sameAssignment(a, group.targetAssignment.get(id) ?? new Map()))
        records.push({
          type: 'cg-target',
          group: req.groupId,
          memberId: id,
          value: { topicPartitions: fromAssignment(a) },
        });
    records.push({ type: 'cg-target-epoch', group: req.groupId, value: { assignmentEpoch: targetEpoch } });
  }
  const next = reconcile(updated, target.get(memberId) ?? new Map(), targetEpoch, members, req.topicPartitions);
  const changed =
    next.memberEpoch !== updated.memberEpoch ||
    next.state !== updated.state ||
    !sameAssignment(next.assigned, updated.assigned) ||
    !sameAssignment(next.pendingRevocation, updated.pendingRevocation);
  if (changed || !before)
    records.push({
      type: 'cg-current',
      group: req.groupId,
      memberId,
      value: {
        memberEpoch: next.memberEpoch,
        previousMemberEpoch: next.previousMemberEpoch,
        state: next.state,
        assignedPartitions: fromAssignment(next.assigned),
        partitionsPendingRevocation: fromAssignment(next.pendingRevocation),
      },
    });
  const error = c.append(req.groupId, records);
  if (error !== ErrorCode.NONE) return fail(error);
  scheduleSession(c, req.groupId, memberId);
  const sendAssignment =
    req.memberEpoch !== next.memberEpoch || changed || req.topicPartitions !== null || req.memberEpoch === 0;
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId,
    memberEpoch: next.memberEpoch,
    heartbeatIntervalMs: interval,
    assignment: sendAssignment ? { topicPartitions: fromAssignment(next.assigned) } : null,
  };
}

function computeTarget(
  c: GroupCoordinator,
  group: ConsumerGroup,
  members: Map<string, ConsumerMember>,
  assignors: string[],
): Map<string, Assignment> {
  const topics = new Map<string, AssignorTopic>();
  const idOf = new Map<string, string>();
  for (const m of members.values())
    for (const name of m.subscribedTopicNames) {
      const t = c.metadata.topic(name);
      if (!t) continue;
      idOf.set(name, t.topicId);
      topics.set(t.topicId, { topicId: t.topicId, name, partitions: t.partitions.length });
    }
  const votes = new Map<string, number>();
  for (const m of members.values())
    if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
  let name = assignors[0] ?? 'uniform';
  for (const [n, v] of votes) if (v > (votes.get(name) ?? 0)) name = n;
  const assign = ASSIGNORS[name] ?? ASSIGNORS.uniform!;
  return assign(
    [...members.values()].map((m) => ({
      memberId: m.memberId,
      subscribedTopicIds: m.subscribedTopicNames.flatMap((n) => idOf.get(n) ?? []),
      previous: group.targetAssignment.get(m.memberId) ?? new Map(),
    })),
    topics,
  );
}

const minus = (a: Assignment, b: Assignment): Assignment =>
  toAssignment(
    fromAssignment(a).map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.filter((p) => !b.get(t.topicId)?.has(p)),
    })),
  );
const intersect = (a: Assignment, b: Assignment): Assignment =>
  toAssignment(
    fromAssignment(a).map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.filter((p) => b.get(t.topicId)?.has(p)),
    })),
  );

/** The member's next epoch, state and partitions on its way to `target` (Kafka's CurrentAssignmentBuilder). */
function reconcile(
  member: ConsumerMember,
  target: Assignment,
  targetEpoch: number,
  members: Map<string, ConsumerMember>,
  owned: { topicId: string; partitions: number[] }[] | null,
): Pick<ConsumerMember, 'memberEpoch' | 'previousMemberEpoch' | 'state' | 'assigned' | 'pendingRevocation'> {
  const same = {
    memberEpoch: member.memberEpoch,
    previousMemberEpoch: member.previousMemberEpoch,
    state: member.state,
    assigned: member.assigned,
    pendingRevocation: member.pendingRevocation,
  };
  if (member.state === MemberState.UNREVOKED_PARTITIONS) {
    const stillOwned =
      owned !== null && owned.some((t) => t.partitions.some((p) => member.pendingRevocation.get(t.topicId)?.has(p)));
    if (owned === null || stillOwned) return same;
  } else if (member.memberEpoch === targetEpoch && member.state === MemberState.STABLE) return same;
  const keep = intersect(member.assigned, target);
  const revoke = minus(member.assigned, target);
  if (fromAssignment(revoke).length > 0)
    return {
      memberEpoch: member.memberEpoch,
      previousMemberEpoch: member.memberEpoch,
      state: MemberState.UNREVOKED_PARTITIONS,
      assigned: keep,
      pendingRevocation: revoke,
    };
  // Partitions another member still holds (or is still revoking) wait until it lets them go.
  const heldByOthers: Assignment = new Map();
  for (const m of members.values()) {
    if (m.memberId === member.memberId) continue;
    for (const a of [m.assigned, m.pendingRevocation])
      for (const [t, ps] of a) {
        let set = heldByOthers.get(t);
        if (!set) heldByOthers.set(t, (set = new Set()));
        for (const p of ps) set.add(p);
      }
  }
  const wanted = minus(target, keep);
  const free = minus(wanted, heldByOthers);
  const assigned = toAssignment(
    [...fromAssignment(keep), ...fromAssignment(free)].reduce<{ topicId: string; partitions: number[] }[]>((acc, t) => {
      const found = acc.find((x) => x.topicId === t.topicId);
      if (found) found.partitions.push(...t.partitions);
      else acc.push({ topicId: t.topicId, partitions: [...t.partitions] });
      return acc;
    }, []),
  );
  const unreleased = fromAssignment(minus(wanted, free)).length > 0;
  return {
    memberEpoch: targetEpoch,
    previousMemberEpoch: member.memberEpoch,
    state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
    assigned,
    pendingRevocation: new Map(),
  };
}

/** Records removing a member: its current and target assignment, its metadata, and a group epoch bump. */
function removalRecords(c: GroupCoordinator, group: ConsumerGroup, memberId: string, bump = true): CoordinatorRecord[] {
  const g = group.groupId;
  const records: CoordinatorRecord[] = [
    { type: 'cg-current', group: g, memberId, value: null },
    { type: 'cg-target', group: g, memberId, value: null },
    { type: 'cg-member', group: g, memberId, value: null },
  ];
  if (bump) {
    const epoch = Math.max(group.groupEpoch, group.targetAssignmentEpoch) + 1;
    records.push({ type: 'cg-epoch', group: g, value: { epoch } });
    const rest = new Map(group.members);
    rest.delete(memberId);
    const target = computeTarget(c, group, rest, splitList(c.config.string('group.consumer.assignors')));
    for (const [id, a] of target)
      if (!sameAssignment(a, group.targetAssignment.get(id) ?? new Map()))
        records.push({ type: 'cg-target', group: g, memberId: id, value: { topicPartitions: fromAssignment(a) } });
    records.push({ type: 'cg-target-epoch', group: g, value: { assignmentEpoch: epoch } });
  }
  return records;
}

function scheduleSession(c: GroupCoordinator, groupId: string, memberId: string): void {
  c.timers.schedule(sessionKey(groupId, memberId), c.config.int('group.consumer.session.timeout.ms'), () => {
    const group = c.groups.get(groupId);
    if (!(group instanceof ConsumerGroup) || !group.members.has(memberId)) return;
    c.logger.info({ group: groupId, memberId }, 'consumer group member session expired');
    c.append(groupId, removalRecords(c, group, memberId));
  });
}

/** After loading, every member gets a fresh session. */
export function scheduleConsumerSessions(c: GroupCoordinator, group: ConsumerGroup): void {
  for (const id of group.members.keys()) scheduleSession(c, group.groupId, id);
}

export const consumerSessionKey = sessionKey;
