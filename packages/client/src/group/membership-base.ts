/**
 * What both group protocols share: the coordinator, the subscription, the set of owned
 * partitions, commits (manual and automatic) and the order of a revocation: commit the
 * partitions' positions (auto commit), then tell the host (listeners run, fetching stops).
 */
import { ErrorCode } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import type {
  GroupMembership,
  GroupMetadata,
  LeaveMode,
  MembershipHost,
  OffsetAndMetadata,
} from '../consumer/group-membership.js';
import { KafkaError } from '../errors.js';
import { tpKey, type TopicPartition } from '../types.js';
import { GroupCoordinator } from './coordinator.js';
import { commitOffsets, fetchCommitted, type MemberIdentity } from './offsets.js';
import { TopicSubscription } from './topic-subscription.js';
import type { ResolvedGroupOptions, SubscriptionSpec } from './types.js';

/** Commit errors meaning the member is no longer part of the generation it committed in. */
const FENCED = new Set<number>([
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.STALE_MEMBER_EPOCH,
  ErrorCode.FENCED_MEMBER_EPOCH,
]);

export abstract class MembershipBase implements GroupMembership {
  readonly coordinator: GroupCoordinator;
  protected subscription: TopicSubscription;
  protected readonly owned = new Map<string, TopicPartition>();
  protected host: MembershipHost | null = null;
  protected closed = false;
  /** An error that ends the membership (e.g. FENCED_INSTANCE_ID); every later poll throws it. */
  protected fatal: Error | null = null;
  private nextAutoCommit = 0;

  constructor(
    protected readonly cluster: Cluster,
    protected readonly options: ResolvedGroupOptions,
    spec: SubscriptionSpec,
  ) {
    this.coordinator = new GroupCoordinator(cluster, options.groupId, true);
    this.subscription = new TopicSubscription(spec, cluster);
    this.nextAutoCommit = Date.now() + options.autoCommitIntervalMs;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Who commits: generation or member epoch, member id, instance id. */
  protected abstract identity(): MemberIdentity;
  /** Joins, rejoins, reconciles: whatever the protocol needs to do in `poll`. */
  protected abstract maintain(host: MembershipHost): Promise<void>;
  /** A commit found the member fenced: rejoin. */
  protected abstract onFenced(code: number): void;
  /** Sends the protocol's leave request (errors are the caller's to ignore). */
  protected abstract sendLeave(mode: LeaveMode): Promise<void>;
  protected abstract stopTimers(): void;
  abstract metadata(): GroupMetadata;

  async poll(host: MembershipHost): Promise<void> {
    this.host = host;
    if (this.fatal) throw this.fatal;
    if (this.closed) return;
    await this.maintain(host);
    if (this.options.autoCommit && Date.now() >= this.nextAutoCommit) {
      this.nextAutoCommit = Date.now() + this.options.autoCommitIntervalMs;
      // Asynchronous, as Kafka's auto commit in poll: a failure is retried at the next interval.
      this.commit(host.positions()).catch(() => undefined);
    }
  }

  subscribe(spec: SubscriptionSpec): void {
    this.subscription = new TopicSubscription(spec, this.cluster);
    this.requestRejoin();
  }

  /** Makes the next poll rejoin (and wakes a waiting poll). */
  protected abstract requestRejoin(): void;

  async commit(offsets: readonly OffsetAndMetadata[]): Promise<void> {
    try {
      await commitOffsets(this.coordinator, offsets, this.identity(), this.cluster.options.requestTimeoutMs);
    } catch (e) {
      if (e instanceof KafkaError && FENCED.has(e.code)) this.onFenced(e.code);
      throw e;
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    const found = await fetchCommitted(this.coordinator, partitions, this.cluster.options.requestTimeoutMs);
    return new Map(
      partitions.map((p) => [tpKey(p.topic, p.partition), found.get(tpKey(p.topic, p.partition))?.offset ?? null]),
    );
  }

  protected get ownedList(): TopicPartition[] {
    return [...this.owned.values()];
  }

  /** Commits the partitions' positions when auto commit is on (unless lost), then lets the host revoke them. */
  protected async revoke(host: MembershipHost, partitions: TopicPartition[], lost: boolean): Promise<void> {
    if (partitions.length === 0) return;
    if (!lost && this.options.autoCommit) {
      const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
      const positions = host.positions().filter((p) => keys.has(tpKey(p.topic, p.partition)));
      // A failed commit must not stop the rebalance; the next owner then re-reads from the last commit.
      await this.commit(positions).catch(() => undefined);
    }
    try {
      await host.revoked(partitions, lost);
    } finally {
      for (const p of partitions) this.owned.delete(tpKey(p.topic, p.partition));
    }
  }

  protected async assign(host: MembershipHost, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    for (const p of partitions) this.owned.set(tpKey(p.topic, p.partition), p);
    await host.assigned(partitions);
  }

  async leave(host: MembershipHost, mode: LeaveMode): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    try {
      if (!this.fatal) {
        await this.revoke(host, this.ownedList, false);
        await this.sendLeave(mode).catch(() => undefined);
      }
    } finally {
      this.coordinator.close();
    }
  }
}

/** Partitions in `a` and not in `b`. */
export function minus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const keys = new Set(b.map((p) => tpKey(p.topic, p.partition)));
  return a.filter((p) => !keys.has(tpKey(p.topic, p.partition)));
}
