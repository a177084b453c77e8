/**
 * One consumer-protocol group (KIP-848), entirely the replay of its records: the group epoch
 * (ConsumerGroupMetadata), each member's subscription (ConsumerGroupMemberMetadata), the target
 * assignment and its epoch (ConsumerGroupTargetAssignment*), and each member's current epoch and
 * partitions (ConsumerGroupCurrentMemberAssignment). Nothing here changes state but `replay`.
 *
 * State (derived, as Kafka derives it): Empty without members; Assigning while the target
 * assignment lags the group epoch; Reconciling while a member has not reached the target;
 * else Stable.
 */
import type { CoordinatorRecord } from './records.js';

/** Partitions by topic id. */
export type Assignment = Map<string, Set<number>>;

/** Kafka's MemberState ids (ConsumerGroupCurrentMemberAssignmentValue.state). */
export const MemberState = { STABLE: 1, UNREVOKED_PARTITIONS: 2, UNRELEASED_PARTITIONS: 3 } as const;

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: number;
  assigned: Assignment;
  pendingRevocation: Assignment;
}

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

type Parts = { topicId: string; partitions: number[] }[];

export const toAssignment = (parts: Parts): Assignment =>
  new Map(parts.filter((p) => p.partitions.length > 0).map((p) => [p.topicId, new Set(p.partitions)]));

export const fromAssignment = (a: Assignment): Parts =>
  [...a]
    .filter(([, ps]) => ps.size > 0)
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  const size = (x: Assignment) => [...x.values()].reduce((n, s) => n + s.size, 0);
  if (size(a) !== size(b)) return false;
  for (const [t, ps] of a) for (const p of ps) if (!b.get(t)?.has(p)) return false;
  return true;
}

export class ConsumerGroup {
  groupEpoch = 0;
  targetAssignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  readonly targetAssignment = new Map<string, Assignment>();
  private deleted = false;

  constructor(readonly groupId: string) {}

  isDeleted(): boolean {
    return this.deleted;
  }

  state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.targetAssignmentEpoch < this.groupEpoch) return 'Assigning';
    for (const m of this.members.values())
      if (m.memberEpoch !== this.targetAssignmentEpoch || m.state !== MemberState.STABLE) return 'Reconciling';
    return 'Stable';
  }

  /** The assignor the members ask for (the most common), or undefined for the broker's default. */
  preferredAssignor(): string | undefined {
    const votes = new Map<string, number>();
    for (const m of this.members.values())
      if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best: string | undefined;
    for (const [name, n] of votes) if (best === undefined || n > votes.get(best)!) best = name;
    return best;
  }

  subscribedTopicNames(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t);
    return out;
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  private member(memberId: string): ConsumerMember {
    let m = this.members.get(memberId);
    if (!m) {
      m = {
        memberId,
        instanceId: null,
        rackId: null,
        clientId: '',
        clientHost: '',
        subscribedTopicNames: [],
        subscribedTopicRegex: null,
        rebalanceTimeoutMs: -1,
        serverAssignor: null,
        memberEpoch: 0,
        previousMemberEpoch: 0,
        state: MemberState.STABLE,
        assigned: new Map(),
        pendingRevocation: new Map(),
      };
      this.members.set(memberId, m);
    }
    return m;
  }

  replay(record: CoordinatorRecord): void {
    switch (record.type) {
      case 'cg-epoch':
        if (record.value === null) this.deleted = true;
        else {
          this.deleted = false;
          this.groupEpoch = record.value.epoch;
        }
        return;
      case 'cg-member':
        if (record.value === null) this.members.delete(record.memberId);
        else {
          const v = record.value;
          Object.assign(this.member(record.memberId), {
            instanceId: v.instanceId,
            rackId: v.rackId,
            clientId: v.clientId,
            clientHost: v.clientHost,
            subscribedTopicNames: v.subscribedTopicNames,
            subscribedTopicRegex: v.subscribedTopicRegex,
            rebalanceTimeoutMs: v.rebalanceTimeoutMs,
            serverAssignor: v.serverAssignor,
          });
        }
        return;
      case 'cg-target-epoch':
        this.targetAssignmentEpoch = record.value?.assignmentEpoch ?? 0;
        return;
      case 'cg-target':
        if (record.value === null) this.targetAssignment.delete(record.memberId);
        else this.targetAssignment.set(record.memberId, toAssignment(record.value.topicPartitions));
        return;
      case 'cg-current': {
        const m = this.members.get(record.memberId) ?? (record.value ? this.member(record.memberId) : undefined);
        if (!m) return;
        const v = record.value;
        m.memberEpoch = v?.memberEpoch ?? 0;
        m.previousMemberEpoch = v?.previousMemberEpoch ?? 0;
        m.state = v?.state ?? MemberState.STABLE;
        m.assigned = toAssignment(v?.assignedPartitions ?? []);
        m.pendingRevocation = toAssignment(v?.partitionsPendingRevocation ?? []);
        return;
      }
      default:
        return;
    }
  }
}
