/**
 * SyncGroup, Heartbeat and LeaveGroup of a classic group. The leader's SyncGroup carries every
 * member's assignment: it is persisted as a GroupMetadata record whose replay makes the group
 * Stable, then each member waiting in SyncGroup gets its own assignment.
 */
import { ErrorCode } from '@gregor/protocol';
import { prepareRebalance, removeMemberAndUpdateGroup, resetSession } from './classic-join.js';
import { timerKey, type ClassicEnv } from './classic-env.js';
import type { ClassicGroup, SyncResult } from './group.js';

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
}

const syncError = (errorCode: number): SyncResult => ({
  errorCode,
  protocolType: null,
  protocolName: null,
  assignment: Buffer.alloc(0),
});

/** The checks SyncGroup, Heartbeat and OffsetCommit share; NONE when the member may go on. */
export function validateMember(group: ClassicGroup, id: MemberIdentity): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (id.groupInstanceId !== null) {
    const owner = group.staticMembers.get(id.groupInstanceId);
    if (owner !== undefined && owner !== id.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(id.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (id.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

export function syncGroup(
  env: ClassicEnv,
  group: ClassicGroup,
  req: MemberIdentity & {
    protocolType: string | null;
    protocolName: string | null;
    assignments: { memberId: string; assignment: Buffer }[];
  },
  respond: (r: SyncResult) => void,
): void {
  const invalid = validateMember(group, req);
  if (invalid !== ErrorCode.NONE) return respond(syncError(invalid));
  if (
    (req.protocolType !== null && req.protocolType !== group.protocolType) ||
    (req.protocolName !== null && req.protocolName !== group.protocolName)
  )
    return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  const member = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'Empty':
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    case 'PreparingRebalance':
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case 'Stable':
      resetSession(env, group, member);
      return respond(assigned(group, member.assignment));
    case 'CompletingRebalance':
      break;
    default:
      return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  }
  member.awaitingSync = respond;
  group.pendingSync.delete(member.memberId);
  resetSession(env, group, member);
  if (!group.isLeader(member.memberId)) return;
  const assignments = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
  const errorCode = env.persist(group, group.toRecord(env.timers.now(), assignments));
  if (errorCode !== ErrorCode.NONE) {
    for (const m of group.members.values()) {
      const waiting = m.awaitingSync;
      m.awaitingSync = undefined;
      waiting?.(syncError(errorCode));
    }
    prepareRebalance(env, group, 'the assignment could not be written');
    return;
  }
  env.timers.cancel(timerKey.sync(group.groupId));
  for (const m of group.members.values()) {
    const waiting = m.awaitingSync;
    m.awaitingSync = undefined;
    waiting?.(assigned(group, m.assignment));
  }
}

const assigned = (group: ClassicGroup, assignment: Buffer): SyncResult => ({
  errorCode: ErrorCode.NONE,
  protocolType: group.protocolType,
  protocolName: group.protocolName,
  assignment,
});

export function heartbeat(env: ClassicEnv, group: ClassicGroup, req: MemberIdentity): number {
  const invalid = validateMember(group, req);
  if (invalid !== ErrorCode.NONE) return invalid;
  const member = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'Empty':
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case 'PreparingRebalance':
      resetSession(env, group, member);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      resetSession(env, group, member);
      return ErrorCode.NONE;
  }
}

/** One member leaving (LeaveGroup v3+ carries several); returns its error code. */
export function leaveGroup(
  env: ClassicEnv,
  group: ClassicGroup,
  leaving: { memberId: string; groupInstanceId: string | null },
): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  let memberId = leaving.memberId;
  if (leaving.groupInstanceId !== null) {
    const owner = group.staticMembers.get(leaving.groupInstanceId);
    if (owner === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberId !== '' && owner !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    memberId = owner;
  }
  if (group.pendingMembers.delete(memberId)) {
    env.timers.cancel(timerKey.pending(group.groupId, memberId));
    return ErrorCode.NONE;
  }
  if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  env.log('member left', { group: group.groupId, memberId });
  removeMemberAndUpdateGroup(env, group, memberId);
  return ErrorCode.NONE;
}
