/**
 * JoinGroup and the rebalance machinery of a classic group: new members (with the
 * MEMBER_ID_REQUIRED round trip of JoinGroup v4+, KIP-394), static members replacing their old
 * member id (KIP-345), preparing a rebalance (with group.initial.rebalance.delay.ms for a group
 * coming out of Empty), completing the join (members that did not rejoin are dropped, the
 * generation is bumped and a protocol chosen, the leader receives every member's metadata), and
 * members expiring when their session times out.
 */
import { ErrorCode } from '@gregor/protocol';
import { timerKey, type ClassicEnv } from './classic-env.js';
import type { ClassicGroup, ClassicMember, JoinResult } from './group.js';

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  /** JoinGroup v4+: a new dynamic member first gets its id with MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  maxSize: number;
}

export const joinError = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
});

export function joinGroup(env: ClassicEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void) {
  if (group.state === 'Dead') return respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
  if (!group.supports(req.protocolType, req.protocols))
    return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
  if (req.memberId === '') return joinNewMember(env, group, req, respond);
  return joinKnownMember(env, group, req, respond);
}

function joinNewMember(env: ClassicEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void) {
  const existingStatic = req.groupInstanceId === null ? undefined : group.staticMembers.get(req.groupInstanceId);
  if (existingStatic === undefined && group.members.size + group.pendingMembers.size >= req.maxSize)
    return respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
  const memberId = env.newMemberId(req.clientId);
  if (existingStatic !== undefined) return replaceStaticMember(env, group, existingStatic, memberId, req, respond);
  if (req.groupInstanceId === null && req.requireKnownMemberId) {
    group.pendingMembers.add(memberId);
    env.timers.schedule(timerKey.pending(group.groupId, memberId), req.sessionTimeoutMs, () => {
      group.pendingMembers.delete(memberId);
      tryCompleteJoin(env, group);
    });
    return respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
  }
  addMemberAndRebalance(env, group, memberId, req, respond);
}

function joinKnownMember(env: ClassicEnv, group: ClassicGroup, req: JoinRequest, respond: (r: JoinResult) => void) {
  if (group.pendingMembers.delete(req.memberId)) {
    env.timers.cancel(timerKey.pending(group.groupId, req.memberId));
    return addMemberAndRebalance(env, group, req.memberId, req, respond);
  }
  if (req.groupInstanceId !== null) {
    const owner = group.staticMembers.get(req.groupInstanceId);
    if (owner !== undefined && owner !== req.memberId)
      return respond(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
  }
  const member = group.members.get(req.memberId);
  if (!member || group.state === 'Empty') return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
  const unchanged = sameProtocols(member, req.protocols);
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(env, group, member, req, respond);
    case 'CompletingRebalance':
      if (unchanged) return respond(currentGeneration(group, member));
      return updateMemberAndRebalance(env, group, member, req, respond);
    case 'Stable':
      // A leader rejoining asks for a new assignment (e.g. after topic metadata changed).
      if (unchanged && !group.isLeader(member.memberId)) {
        resetSession(env, group, member);
        return respond(currentGeneration(group, member));
      }
      return updateMemberAndRebalance(env, group, member, req, respond);
  }
}

/** A known static member rejoining without its member id: it gets a new one, the old is fenced. */
function replaceStaticMember(
  env: ClassicEnv,
  group: ClassicGroup,
  oldMemberId: string,
  newMemberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
) {
  const old = group.members.get(oldMemberId)!;
  const wasLeader = group.isLeader(oldMemberId);
  group.remove(oldMemberId);
  env.timers.cancel(timerKey.session(group.groupId, oldMemberId));
  old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
  old.awaitingSync?.({
    errorCode: ErrorCode.FENCED_INSTANCE_ID,
    protocolType: null,
    protocolName: null,
    assignment: Buffer.alloc(0),
  });
  const member: ClassicMember = {
    ...old,
    memberId: newMemberId,
    protocols: req.protocols,
    awaitingJoin: undefined,
    awaitingSync: undefined,
  };
  group.add(member);
  if (wasLeader) group.leaderId = newMemberId;
  // As Kafka: a rejoin during Stable rebalances only if it would change the protocol the group
  // selects. Its metadata may differ (a restarted cooperative member owns nothing yet); the
  // assignment stays the group's.
  if (group.state === 'Stable' && keepsProtocol(group)) {
    // Nothing changes for the others: record the new member id and answer with the current generation.
    const errorCode = env.persist(group, group.toRecord(env.timers.now()));
    if (errorCode !== ErrorCode.NONE) return respond(joinError(errorCode, newMemberId));
    resetSession(env, group, member);
    return respond({ ...currentGeneration(group, member), members: [] });
  }
  updateMemberAndRebalance(env, group, member, req, respond);
}

function sameProtocols(member: ClassicMember, protocols: { name: string; metadata: Buffer }[]): boolean {
  return (
    member.protocols.length === protocols.length &&
    member.protocols.every((p, i) => p.name === protocols[i]!.name && p.metadata.equals(protocols[i]!.metadata))
  );
}

function currentGeneration(group: ClassicGroup, member: ClassicMember): JoinResult {
  const leader = group.leaderId ?? '';
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader,
    memberId: member.memberId,
    members:
      leader === member.memberId
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: group.metadataFor(m, group.protocolName),
          }))
        : [],
  };
}

function addMemberAndRebalance(
  env: ClassicEnv,
  group: ClassicGroup,
  memberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
) {
  const member: ClassicMember = {
    memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    assignment: Buffer.alloc(0),
    awaitingJoin: respond,
  };
  group.add(member);
  if (group.initialDelay) group.initialDelay.newMemberAdded = true;
  resetSession(env, group, member);
  maybePrepareRebalance(env, group, `${memberId} joined`);
  tryCompleteJoin(env, group);
}

function updateMemberAndRebalance(
  env: ClassicEnv,
  group: ClassicGroup,
  member: ClassicMember,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
) {
  member.protocols = req.protocols;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
  member.awaitingJoin = respond;
  resetSession(env, group, member);
  maybePrepareRebalance(env, group, `${member.memberId} rejoined`);
  tryCompleteJoin(env, group);
}

export function maybePrepareRebalance(env: ClassicEnv, group: ClassicGroup, reason: string): void {
  if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty')
    prepareRebalance(env, group, reason);
}

export function prepareRebalance(env: ClassicEnv, group: ClassicGroup, reason: string): void {
  if (group.state === 'CompletingRebalance')
    for (const m of group.members.values()) {
      m.assignment = Buffer.alloc(0);
      const waiting = m.awaitingSync;
      m.awaitingSync = undefined;
      waiting?.({
        errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      });
    }
  env.timers.cancel(timerKey.sync(group.groupId));
  const fromEmpty = group.state === 'Empty';
  group.transition('PreparingRebalance', env.timers.now());
  env.log('preparing to rebalance', { group: group.groupId, generation: group.generationId, reason });
  const timeout = Math.max(group.rebalanceTimeoutMs(), 1);
  if (fromEmpty) {
    const delay = Math.min(env.initialRebalanceDelayMs, timeout);
    group.initialDelay = { remainingMs: timeout - delay, newMemberAdded: false };
    env.timers.schedule(timerKey.join(group.groupId), delay, () => initialDelayExpired(env, group));
  } else {
    group.initialDelay = undefined;
    env.timers.schedule(timerKey.join(group.groupId), timeout, () => completeJoin(env, group));
  }
}

function initialDelayExpired(env: ClassicEnv, group: ClassicGroup): void {
  const delay = group.initialDelay;
  if (delay && delay.newMemberAdded && delay.remainingMs > 0) {
    const next = Math.min(env.initialRebalanceDelayMs, delay.remainingMs);
    group.initialDelay = { remainingMs: delay.remainingMs - next, newMemberAdded: false };
    env.timers.schedule(timerKey.join(group.groupId), next, () => initialDelayExpired(env, group));
    return;
  }
  completeJoin(env, group);
}

export function tryCompleteJoin(env: ClassicEnv, group: ClassicGroup): void {
  if (group.state === 'PreparingRebalance' && !group.initialDelay && group.allJoined()) completeJoin(env, group);
}

/** Ends the join phase: drops members that did not rejoin, starts the next generation. */
function completeJoin(env: ClassicEnv, group: ClassicGroup): void {
  env.timers.cancel(timerKey.join(group.groupId));
  group.initialDelay = undefined;
  if (group.state !== 'PreparingRebalance') return;
  for (const m of [...group.members.values()]) if (!m.awaitingJoin) removeMember(env, group, m.memberId);
  const now = env.timers.now();
  if (group.members.size === 0) {
    const errorCode = env.persist(group, {
      protocolType: group.protocolType ?? '',
      generation: group.generationId + 1,
      protocol: null,
      leader: null,
      currentStateTimestamp: BigInt(now),
      members: [],
    });
    if (errorCode !== ErrorCode.NONE) {
      env.log('could not write the empty group', { group: group.groupId, errorCode });
      group.generationId++;
      group.transition('Empty', now);
    }
    return;
  }
  group.generationId++;
  group.protocolName = group.selectProtocol();
  group.transition('CompletingRebalance', now);
  group.pendingSync.clear();
  for (const m of group.members.values()) group.pendingSync.add(m.memberId);
  env.log('rebalance: join complete', {
    group: group.groupId,
    generation: group.generationId,
    members: group.members.size,
    protocol: group.protocolName,
  });
  for (const m of group.members.values()) {
    const respond = m.awaitingJoin;
    m.awaitingJoin = undefined;
    resetSession(env, group, m);
    respond?.(currentGeneration(group, m));
  }
  const generation = group.generationId;
  env.timers.schedule(timerKey.sync(group.groupId), Math.max(group.rebalanceTimeoutMs(), 1), () => {
    if (group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
    // Members that never sent SyncGroup are gone; the rest rebalance without them.
    for (const id of [...group.pendingSync]) removeMember(env, group, id);
    prepareRebalance(env, group, 'members did not sync in time');
    tryCompleteJoin(env, group);
  });
}

export function resetSession(env: ClassicEnv, group: ClassicGroup, member: ClassicMember): void {
  env.timers.schedule(timerKey.session(group.groupId, member.memberId), member.sessionTimeoutMs, () =>
    sessionExpired(env, group, member.memberId),
  );
}

function sessionExpired(env: ClassicEnv, group: ClassicGroup, memberId: string): void {
  const member = group.members.get(memberId);
  if (!member) return;
  // A member waiting for its JoinGroup or SyncGroup answer cannot heartbeat: it is alive.
  if (member.awaitingJoin || member.awaitingSync) return resetSession(env, group, member);
  env.log('member session expired', { group: group.groupId, memberId });
  removeMemberAndUpdateGroup(env, group, memberId);
}

/** Removes a member and answers whatever it was waiting for with UNKNOWN_MEMBER_ID. */
export function removeMember(env: ClassicEnv, group: ClassicGroup, memberId: string): void {
  const member = group.remove(memberId);
  if (!member) return;
  env.timers.cancel(timerKey.session(group.groupId, memberId));
  const join = member.awaitingJoin;
  const sync = member.awaitingSync;
  member.awaitingJoin = member.awaitingSync = undefined;
  join?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
  sync?.({
    errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    protocolType: null,
    protocolName: null,
    assignment: Buffer.alloc(0),
  });
}

export function removeMemberAndUpdateGroup(env: ClassicEnv, group: ClassicGroup, memberId: string): void {
  removeMember(env, group, memberId);
  if (group.state === 'Stable' || group.state === 'CompletingRebalance')
    prepareRebalance(env, group, `${memberId} left`);
  tryCompleteJoin(env, group);
}

/** Whether the protocol the group would select now is the one it runs (no common one: it is not). */
function keepsProtocol(group: ClassicGroup): boolean {
  if (group.protocolName === null) return false;
  try {
    return group.selectProtocol() === group.protocolName;
  } catch {
    return false;
  }
}
