/**
 * Membership of a KIP-848 consumer group (`groupProtocol: 'consumer'`): one request,
 * ConsumerGroupHeartbeat, joins (member epoch 0), heartbeats and leaves (-1; -2 for a static
 * member staying away for now). The coordinator runs the assignor and sends each member its
 * target; the member reconciles: it first revokes partitions no longer in the target (committing
 * them), reports what it owns, then takes the new ones. The coordinator holds a partition back
 * from its new owner until the old owner reported it gone, so no partition is owned twice.
 *
 * Heartbeats run on a timer at the interval the coordinator gives, and right away after a
 * reconciliation step so the coordinator learns of it. FENCED_MEMBER_EPOCH and
 * UNKNOWN_MEMBER_ID mean we were dropped: owned partitions are lost and we join again at epoch 0.
 */
import { randomUUID } from 'node:crypto';
import { ApiKey, ErrorCode, type ConsumerGroupHeartbeatResponse } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type { GroupMetadata, LeaveMode, MembershipHost } from '../consumer/group-membership.js';
import { KafkaError } from '../errors.js';
import type { TopicPartition } from '../types.js';
import { backoffMs } from '../util/async.js';
import { COORDINATOR_MOVED } from './coordinator.js';
import { MembershipBase, minus } from './membership-base.js';
import type { MemberIdentity } from './offsets.js';
import type { ResolvedGroupOptions, SubscriptionSpec } from './types.js';

type Assignment = { topicId: string; partitions: number[] }[];

export class ConsumerProtocolMembership extends MembershipBase {
  private readonly memberId = randomUUID();
  private epoch = 0;
  private joined = false;
  /** The latest assignment from the coordinator, not yet reconciled. */
  private target: Assignment | null = null;
  private lost = false;
  private sentTopics: string | null = null;
  private resubscribe = false;
  private intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private attempt = 0;

  constructor(cluster: Cluster, options: ResolvedGroupOptions, spec: SubscriptionSpec) {
    super(cluster, options, spec);
    this.intervalMs = options.heartbeatIntervalMs;
  }

  metadata(): GroupMetadata {
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      generationId: this.joined ? this.epoch : -1,
      groupInstanceId: this.options.groupInstanceId,
    };
  }

  protected identity(): MemberIdentity {
    return {
      generationIdOrMemberEpoch: this.epoch,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId,
    };
  }

  protected requestRejoin(): void {
    // The new subscription is resolved and sent by the next poll.
    this.resubscribe = true;
    this.host?.wakeup();
  }

  protected onFenced(code: number): void {
    if (code === ErrorCode.FENCED_MEMBER_EPOCH || code === ErrorCode.UNKNOWN_MEMBER_ID) this.markLost();
  }

  private markLost(): void {
    this.stopTimers(); // the next poll revokes what we owned, then joins again
    this.lost = true;
    this.epoch = 0;
    this.target = null;
    this.host?.wakeup();
  }

  protected async maintain(host: MembershipHost): Promise<void> {
    const resubscribe = this.resubscribe;
    this.resubscribe = false;
    if (resubscribe) await this.subscription.refresh();
    const changed = (await this.subscription.refreshIfDue()) || resubscribe;
    if (this.lost) {
      this.lost = false;
      await this.revoke(host, this.ownedList, true);
      this.joined = false;
    }
    if (!this.joined) {
      this.joined = true;
      await this.subscription.refresh();
      await this.heartbeatNow();
    } else if (changed) {
      // The subscription travels with the next heartbeat: send it now.
      this.sentTopics = null;
      await this.heartbeatNow();
    }
    if (this.fatal) throw this.fatal;
    if (this.target) await this.reconcile(host, this.target);
  }

  /** Revoke what is not in the target, tell the coordinator, then take what is new. */
  private async reconcile(host: MembershipHost, target: Assignment): Promise<void> {
    const wanted = await this.namesOf(target);
    if (wanted === null) return; // a topic id we cannot name yet: try again at the next poll
    if (this.target === target) this.target = null;
    const revoked = minus(this.ownedList, wanted);
    if (revoked.length > 0) {
      await this.revoke(host, revoked, false);
      await this.heartbeatNow();
    }
    const added = minus(wanted, this.ownedList);
    if (added.length > 0) {
      await this.assign(host, added);
      await this.heartbeatNow();
    }
  }

  /** Topic ids to names from metadata (refreshed once when an id is unknown); null if still unknown. */
  private async namesOf(assignment: Assignment): Promise<TopicPartition[] | null> {
    const lookup = () => new Map([...this.cluster.metadata.topics.values()].map((t) => [t.topicId, t.name]));
    let names = lookup();
    if (assignment.some((t) => !names.has(t.topicId))) {
      await this.subscription.refresh();
      names = lookup();
      if (assignment.some((t) => !names.has(t.topicId))) return null;
    }
    return assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: names.get(t.topicId)!, partition })));
  }

  private ownedByTopicId(): Assignment {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.ownedList) {
      const id = this.cluster.metadata.topics.get(topic)?.topicId;
      if (id === undefined) continue;
      let list = byTopic.get(id);
      if (!list) byTopic.set(id, (list = []));
      list.push(partition);
    }
    return [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions }));
  }

  /** Sends a heartbeat after any in flight (one at a time) and reschedules the timer. */
  private heartbeatNow(): Promise<void> {
    this.beating = this.beating.then(() => this.sendHeartbeat());
    return this.beating;
  }

  private async sendHeartbeat(epoch = this.epoch): Promise<void> {
    if (this.closed && epoch >= 0) return;
    if (this.timer) clearTimeout(this.timer);
    const topics = this.subscription.topics;
    const joining = epoch === 0;
    const sendTopics = joining || this.sentTopics !== topics.join(',');
    let res: ConsumerGroupHeartbeatResponse | null = null;
    let code: number;
    try {
      res = await this.coordinator.send(ApiKey.ConsumerGroupHeartbeat, {
        groupId: this.groupId,
        memberId: this.memberId,
        memberEpoch: epoch,
        instanceId: this.options.groupInstanceId,
        rackId: null,
        rebalanceTimeoutMs: joining ? this.options.rebalanceTimeoutMs : -1,
        subscribedTopicNames: sendTopics ? topics : null,
        subscribedTopicRegex: null,
        serverAssignor: joining ? this.options.groupRemoteAssignor : null,
        topicPartitions: joining ? [] : epoch < 0 ? null : this.ownedByTopicId(),
      });
      code = res.errorCode;
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      code = e.code;
    }
    if (epoch < 0) return; // leaving: nothing more to do
    if (res && code === ErrorCode.NONE) {
      this.attempt = 0;
      if (sendTopics) this.sentTopics = topics.join(',');
      this.epoch = res.memberEpoch;
      if (res.heartbeatIntervalMs > 0) this.intervalMs = res.heartbeatIntervalMs;
      if (res.assignment) {
        this.target = res.assignment.topicPartitions;
        this.host?.wakeup();
      }
    } else if (code === ErrorCode.FENCED_MEMBER_EPOCH || code === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.markLost();
      return;
    } else if (COORDINATOR_MOVED.has(code) || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      if (COORDINATOR_MOVED.has(code)) this.coordinator.markUnknown();
      const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
      this.schedule(backoffMs(this.attempt++, retryBackoffMs, retryBackoffMaxMs));
      return;
    } else {
      this.fatal = new KafkaError(code, `ConsumerGroupHeartbeat for group ${this.groupId}: ${res?.errorMessage ?? ''}`);
      this.host?.wakeup();
      return;
    }
    this.schedule(this.intervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.heartbeatNow(), delayMs);
    this.timer.unref();
  }

  protected stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  protected async sendLeave(mode: LeaveMode): Promise<void> {
    if (!this.joined) return;
    // -2: a static member leaving for now keeps its assignment until the session times out.
    const staysStatic = this.options.groupInstanceId !== null && mode !== 'leave';
    if (mode === 'remain') return;
    await this.beating.catch(() => undefined);
    await this.sendHeartbeat(staysStatic ? -2 : -1);
  }
}
