/**
 * Membership of a classic group (Kafka's ConsumerCoordinator + AbstractCoordinator, our way).
 *
 * A rebalance happens inside `poll`: revoke (eager: everything, committing first; cooperative:
 * only topics no longer subscribed), JoinGroup (a new member is told MEMBER_ID_REQUIRED and
 * joins again with the id it got), the leader assigns, SyncGroup, then the new assignment is
 * applied. Under cooperative rebalancing (KIP-429) partitions that move are revoked only after
 * the SyncGroup; revoking any makes the member join again at once, and that second round hands
 * them to their new owner.
 *
 * Heartbeats run on a timer every `heartbeatIntervalMs` between rebalances.
 * REBALANCE_IN_PROGRESS asks for a rejoin (and wakes the poll); ILLEGAL_GENERATION and
 * UNKNOWN_MEMBER_ID mean the coordinator dropped us: owned partitions are lost (no commit) and
 * we join again; NOT_COORDINATOR and network errors forget the coordinator, so the next request
 * finds the new one.
 */
import { ErrorCode } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type { GroupMetadata, LeaveMode, MembershipHost } from '../consumer/group-membership.js';
import { KafkaError } from '../errors.js';
import { backoffMs, sleep } from '../util/async.js';
import { rebalanceProtocolOf } from './assignors/index.js';
import { computeAssignments, heartbeat, joinGroup, leaveGroup, syncGroup } from './classic-requests.js';
import { COORDINATOR_MOVED } from './coordinator.js';
import { MembershipBase, minus } from './membership-base.js';
import type { MemberIdentity } from './offsets.js';
import type { RebalanceProtocol, ResolvedGroupOptions, SubscriptionSpec } from './types.js';

/** Errors after which joining again (after a pause) may succeed. */
const REJOIN_LATER = new Set<number>([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ...COORDINATOR_MOVED,
]);

export class ClassicMembership extends MembershipBase {
  private memberId = '';
  private generation = -1;
  private needsJoin = true;
  private rejoinReason: string | null = null;
  private readonly protocol: RebalanceProtocol;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatAttempt = 0;
  /** Whether the current round got its assignment. */
  private synced = false;
  /** Bumped whenever heartbeats stop, so a heartbeat answered afterwards is ignored. */
  private heartbeatEpoch = 0;

  constructor(cluster: Cluster, options: ResolvedGroupOptions, spec: SubscriptionSpec) {
    super(cluster, options, spec);
    this.protocol = rebalanceProtocolOf(options.assignors);
  }

  metadata(): GroupMetadata {
    return {
      groupId: this.groupId,
      memberId: this.memberId,
      generationId: this.generation,
      groupInstanceId: this.options.groupInstanceId,
    };
  }

  protected identity(): MemberIdentity {
    return {
      generationIdOrMemberEpoch: this.generation,
      memberId: this.memberId,
      groupInstanceId: this.options.groupInstanceId,
    };
  }

  protected requestRejoin(reason = 'the subscription changed'): void {
    this.needsJoin = true;
    this.rejoinReason ??= reason;
    this.host?.wakeup();
  }

  protected onFenced(code: number): void {
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) this.resetGeneration(code);
    this.requestRejoin(`a commit failed with ${String(code)}`);
  }

  /** The coordinator no longer knows our generation (or us): what we own is lost. */
  private resetGeneration(code: number): void {
    this.generation = -1;
    if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    this.stopTimers();
  }

  protected async maintain(host: MembershipHost): Promise<void> {
    if (await this.subscription.refreshIfDue()) this.requestRejoin('subscribed topics or partitions changed');
    for (let attempt = 0; this.needsJoin && !this.closed; attempt++) {
      let code: number;
      try {
        code = await this.rebalanceRound(host);
      } catch (e) {
        // A round that failed before its SyncGroup answer is not done (a listener failing after it is
        // the application's error: the assignment stands, as in Kafka).
        if (!this.synced) this.needsJoin = true;
        throw e;
      }
      if (code === ErrorCode.NONE || code === ErrorCode.MEMBER_ID_REQUIRED) continue;
      if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
        this.resetGeneration(code);
        continue;
      }
      if (code === ErrorCode.FENCED_INSTANCE_ID || !REJOIN_LATER.has(code)) {
        const error = new KafkaError(code, `joining group ${this.groupId}`);
        if (code === ErrorCode.FENCED_INSTANCE_ID) this.fatal = error;
        throw error;
      }
      const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
      await sleep(backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs));
    }
  }

  /** One JoinGroup + SyncGroup; returns the error code that ended it (NONE when the assignment was applied). */
  private async rebalanceRound(host: MembershipHost): Promise<number> {
    this.stopTimers();
    this.synced = false;
    await this.subscription.refresh();
    const owned = this.ownedList;
    if (this.generation === -1) await this.revoke(host, owned, true);
    else if (this.protocol === 'eager') await this.revoke(host, owned, false);
    else {
      const topics = new Set(this.subscription.topics);
      await this.revoke(
        host,
        owned.filter((p) => !topics.has(p.topic)),
        false,
      );
    }
    this.needsJoin = false;
    const reason = this.rejoinReason;
    this.rejoinReason = null;
    const { requestTimeoutMs } = this.cluster.options;
    const joined = await this.retrying(() =>
      joinGroup(
        this.coordinator,
        this.options,
        this.subscription.topics,
        {
          memberId: this.memberId,
          generation: this.generation,
          owned: this.ownedList,
          protocol: this.protocol,
          reason,
        },
        requestTimeoutMs,
      ),
    );
    if (!('value' in joined)) return this.failedRound(joined.errorCode);
    const join = joined.value;
    if (join.errorCode !== ErrorCode.NONE) {
      this.needsJoin = true;
      // KIP-394: a new member gets its id with MEMBER_ID_REQUIRED and joins again with it.
      if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = join.memberId;
      return join.errorCode;
    }
    this.memberId = join.memberId;
    this.generation = join.generationId;
    const leads = join.leader === join.memberId && !join.skipAssignment;
    const assignments = leads ? await computeAssignments(this.options, join, this.subscription) : [];
    const synced = await this.retrying(() => syncGroup(this.coordinator, this.options, join, assignments));
    if (!('value' in synced)) return this.failedRound(synced.errorCode);
    const sync = synced.value;
    if (sync.errorCode !== ErrorCode.NONE) return this.failedRound(sync.errorCode);
    this.synced = true;
    const revoked = minus(this.ownedList, sync.partitions);
    const added = minus(sync.partitions, this.ownedList);
    this.startHeartbeats();
    if (revoked.length > 0) {
      await this.revoke(host, revoked, false);
      // KIP-429: what we gave up is assigned to its new owner in the next round.
      if (this.protocol === 'cooperative') this.requestRejoin('partitions were revoked');
    }
    await this.assign(host, added);
    return ErrorCode.NONE;
  }

  private failedRound(code: number): number {
    this.needsJoin = true;
    return code;
  }

  /** A request whose network failure (the coordinator went away) is reported as its error code. */
  private async retrying<T>(send: () => Promise<T>): Promise<{ value: T } | { errorCode: number }> {
    try {
      return { value: await send() };
    } catch (e) {
      if (e instanceof KafkaError && e.retriable) {
        this.coordinator.markUnknown();
        return { errorCode: e.code };
      }
      throw e;
    }
  }

  private startHeartbeats(): void {
    this.stopTimers();
    this.heartbeatAttempt = 0;
    this.scheduleHeartbeat(this.options.heartbeatIntervalMs);
  }

  protected stopTimers(): void {
    this.heartbeatEpoch++;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private scheduleHeartbeat(delayMs: number): void {
    const epoch = this.heartbeatEpoch;
    this.heartbeatTimer = setTimeout(() => void this.beat(epoch), delayMs);
    this.heartbeatTimer.unref();
  }

  private async beat(epoch: number): Promise<void> {
    let code: number;
    try {
      code = await heartbeat(this.coordinator, this.options, this.memberId, this.generation);
    } catch (e) {
      code = e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (epoch !== this.heartbeatEpoch || this.closed) return;
    let next = this.options.heartbeatIntervalMs;
    if (code === ErrorCode.NONE) this.heartbeatAttempt = 0;
    else if (code === ErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin('the group is rebalancing');
    else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
      this.resetGeneration(code);
      this.requestRejoin('the coordinator fenced this member');
      return;
    } else if (code === ErrorCode.FENCED_INSTANCE_ID) {
      this.fatal = new KafkaError(
        code,
        `another consumer took group instance id ${this.options.groupInstanceId ?? ''}`,
      );
      this.stopTimers();
      this.host?.wakeup();
      return;
    } else {
      if (COORDINATOR_MOVED.has(code)) this.coordinator.markUnknown();
      const { retryBackoffMs, retryBackoffMaxMs } = this.cluster.options;
      next = Math.min(next, backoffMs(this.heartbeatAttempt++, retryBackoffMs, retryBackoffMaxMs));
    }
    this.scheduleHeartbeat(next);
  }

  protected async sendLeave(mode: LeaveMode): Promise<void> {
    const leave = mode === 'leave' || (mode === 'default' && this.options.groupInstanceId === null);
    if (leave && this.memberId !== '') await leaveGroup(this.coordinator, this.options, this.memberId);
  }
}
