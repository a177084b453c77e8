/**
 * One classic (JoinGroup/SyncGroup) group: its members, state, generation, selected protocol and
 * leader. No I/O: the operations in classic-join.ts and classic-sync.ts drive it, with timers and
 * persistence passed in (ClassicEnv). What is persisted (generation, protocol, leader, members
 * with their assignments) changes in `applyRecord`, the replay of a GroupMetadata record; what
 * is not (who is waiting for a JoinGroup or SyncGroup answer, pending member ids) lives only here,
 * as in Kafka.
 *
 * States, as Kafka names them:
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
 *   CompletingRebalance ──leader's SyncGroup persisted──▶ Stable
 *   Stable / CompletingRebalance ──join, leave, expiry──▶ PreparingRebalance
 *   PreparingRebalance ──nobody left──▶ Empty;  any ──DeleteGroups / expiry──▶ Dead
 */
import type { GroupMetadataValue } from '@gregor/protocol';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  awaitingJoin?: ((r: JoinResult) => void) | undefined;
  awaitingSync?: ((r: SyncResult) => void) | undefined;
}

const EMPTY = Buffer.alloc(0);

export class ClassicGroup {
  state: ClassicState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined with them. */
  readonly pendingMembers = new Set<string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  readonly staticMembers = new Map<string, string>();
  /** When the state last changed (offset expiry of empty groups counts from here). */
  stateTimestamp: number;
  /** The initial rebalance delay is running: the join does not complete early. */
  initialDelay: { remainingMs: number; newMemberAdded: boolean } | undefined;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now;
  }

  transition(state: ClassicState, now: number): void {
    this.state = state;
    this.stateTimestamp = now;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  add(member: ClassicMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): ClassicMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId)
      this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** The protocols every member supports (the candidates of protocol selection). */
  private candidates(): Set<string> | undefined {
    let common: Set<string> | undefined;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      common = common ? new Set([...common].filter((n) => names.has(n))) : names;
    }
    return common;
  }

  /** Whether a member with these protocols may join (Kafka's supportsProtocols). */
  supports(protocolType: string, protocols: { name: string }[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const common = this.candidates() ?? new Set();
    return protocols.some((p) => common.has(p.name));
  }

  /** Each member votes for the first of its protocols all members support; the most votes win. */
  selectProtocol(): string {
    const common = this.candidates() ?? new Set<string>();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => common.has(p.name))?.name;
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const [name, n] of votes) if (best === undefined || n > votes.get(best)!) best = name;
    if (best === undefined) throw new Error(`group ${this.groupId} has no protocol common to its members`);
    return best;
  }

  metadataFor(member: ClassicMember, protocol: string | null): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  allJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.awaitingJoin) return false;
    return true;
  }

  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** The GroupMetadata record of the group as it stands (assignments as given). */
  toRecord(now: number, assignments?: ReadonlyMap<string, Buffer>): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: BigInt(now),
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: this.metadataFor(m, this.protocolName),
        assignment: assignments ? (assignments.get(m.memberId) ?? EMPTY) : m.assignment,
      })),
    };
  }

  /**
   * Replay of a GroupMetadata record. With no members the group is Empty at that generation;
   * with members it is Stable with the recorded assignments. A group being rebalanced in memory
   * keeps its members' connections (their waiting callbacks) and takes the recorded assignments.
   */
  applyRecord(value: GroupMetadataValue, now: number): void {
    this.generationId = value.generation;
    this.protocolType = value.protocolType.length > 0 ? value.protocolType : null;
    this.protocolName = value.protocol;
    this.leaderId = value.leader;
    const recorded = new Set(value.members.map((m) => m.memberId));
    for (const id of [...this.members.keys()]) if (!recorded.has(id)) this.remove(id);
    for (const m of value.members) {
      const existing = this.members.get(m.memberId);
      if (existing) existing.assignment = m.assignment;
      else
        this.add({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          sessionTimeoutMs: m.sessionTimeout,
          rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
          protocolType: value.protocolType,
          protocols: value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }],
          assignment: m.assignment,
        });
    }
    this.leaderId = value.leader !== null && this.members.has(value.leader) ? value.leader : this.leaderId;
    this.pendingSync.clear();
    const timestamp = Number(value.currentStateTimestamp);
    this.transition(this.members.size === 0 ? 'Empty' : 'Stable', timestamp > 0 ? timestamp : now);
  }

  /** Topics the members subscribe to, when they speak the consumer protocol (undefined: unknown). */
  subscribedTopics(decode: (metadata: Buffer) => string[] | undefined): Set<string> | undefined {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return undefined;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const subscribed = decode(this.metadataFor(m, this.protocolName));
      if (!subscribed) return undefined;
      for (const t of subscribed) topics.add(t);
    }
    return topics;
  }
}
