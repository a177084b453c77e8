/**
 * The group coordinator: owns every group whose __consumer_offsets partition this broker leads,
 * and their committed offsets. Group ids map to partitions as in Kafka (abs(hashCode) mod the
 * partition count). Every persisted change is a record appended to that partition and then
 * replayed (`replay` is the only writer of the offset store, of consumer groups, and of the
 * persisted part of classic groups), so a restart, clean or not, reloads the same state by
 * replaying the log. Operations live in classic-*.ts, consumer-*.ts, offset-ops.ts and
 * group-admin.ts; this file wires them to the broker's partitions, timers and config.
 */
import { randomUUID } from 'node:crypto';
import { encodeRecordBatch, ErrorCode, type GroupMetadataValue } from '@gregor/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { MetadataError } from '../metadata/embedded-metadata-store.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ProduceWait } from '../partition/delayed-produce.js';
import type { Partition } from '../partition/partition.js';
import type { ReplicaManager } from '../partition/replica-manager.js';
import { removeMember, resetSession } from './classic-join.js';
import type { ClassicEnv } from './classic-env.js';
import { ConsumerGroup } from './consumer-group.js';
import { scheduleConsumerSessions } from './consumer-heartbeat.js';
import { ClassicGroup } from './group.js';
import { loadPartition } from './loader.js';
import { OffsetStore } from './offsets.js';
import { expireOffsets } from './offset-ops.js';
import { encodeRecord, partitionForGroup, type CoordinatorRecord } from './records.js';
import { NodeTimers } from './timers.js';

export const OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's offsets.topic.segment.bytes default. */
const OFFSETS_SEGMENT_BYTES = String(100 * 1024 * 1024);

export type Group = ClassicGroup | ConsumerGroup;

export class GroupCoordinator {
  readonly offsets = new OffsetStore();
  readonly groups = new Map<string, Group>();
  readonly timers: NodeTimers;
  readonly classicEnv: ClassicEnv;
  private readonly loading = new Set<number>();
  private readonly loaded = new Set<number>();
  private creating: Promise<void> | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly config: BrokerConfig,
    readonly metadata: MetadataStore,
    readonly replicas: ReplicaManager,
    readonly logger: Logger,
  ) {
    this.timers = new NodeTimers((err, key) => logger.error({ err, timer: key }, 'group coordinator timer failed'));
    this.classicEnv = {
      timers: this.timers,
      initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
      newMemberId: (clientId) => `${clientId}-${randomUUID()}`,
      persist: (group, value) => this.persistClassic(group, value),
      log: (msg, fields) => logger.info(fields, msg),
    };
  }

  /** Loads the partitions of __consumer_offsets this broker already has, and starts offset expiry. */
  start(): void {
    this.loadLedPartitions();
    this.expiryTimer = setInterval(() => {
      try {
        expireOffsets(this, this.timers.now());
      } catch (err) {
        this.logger.error({ err }, 'offset expiry failed');
      }
    }, this.config.int('offsets.retention.check.interval.ms'));
    this.expiryTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.timers.close();
  }

  // ---- partitions of __consumer_offsets ----

  numPartitions(): number {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitions.length ?? this.config.int('offsets.topic.num.partitions');
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions());
  }

  private partition(index: number): Partition | undefined {
    const p = this.replicas.partition(OFFSETS_TOPIC, index);
    return p?.isLeader ? p : undefined;
  }

  /** Creates __consumer_offsets on first use (FindCoordinator), as Kafka does. */
  async ensureTopic(): Promise<void> {
    if (this.metadata.topic(OFFSETS_TOPIC)) return this.loadLedPartitions();
    this.creating ??= (async () => {
      const partitions = this.config.int('offsets.topic.num.partitions');
      await this.createOffsetsTopic(partitions);
      this.logger.info({ topic: OFFSETS_TOPIC, partitions }, 'created the offsets topic');
    })().finally(() => (this.creating = undefined));
    await this.creating;
    this.loadLedPartitions();
  }

  private async createOffsetsTopic(partitions: number): Promise<void> {
    try {
      await this.metadata.createTopic({
        name: OFFSETS_TOPIC,
        partitions,
        // Kafka's offsets.topic.replication.factor, capped by the live brokers (one when embedded).
        replicationFactor: Math.min(
          this.config.int('offsets.topic.replication.factor'),
          Math.max(this.metadata.brokers().length, 1),
        ),
        configs: { 'cleanup.policy': 'compact', 'segment.bytes': OFFSETS_SEGMENT_BYTES },
        internal: true,
      });
    } catch (err) {
      // Another broker of the cluster created it first.
      if (!(err instanceof MetadataError && err.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS)) throw err;
    }
  }

  /**
   * What an OffsetCommit waits for before answering: the group's offsets partition replicated to
   * its ISR up to the log end (Kafka's coordinator writes with acks=all), so an acknowledged
   * commit survives the coordinator's death. Null when nothing is unreplicated.
   */
  replicationWait(groupId: string): ProduceWait | null {
    const partition = this.partition(this.partitionFor(groupId));
    if (!partition || partition.log.highWatermark >= partition.log.logEndOffset) return null;
    return { partition, leaderEpoch: partition.leaderEpoch, requiredOffset: partition.log.logEndOffset };
  }

  /** True while offsets partitions are being replayed (the broker is not ready yet). */
  isLoading(): boolean {
    return this.loading.size > 0;
  }

  /** NONE when this broker coordinates the group now; else what the client is told. */
  coordinatorError(groupId: string): number {
    if (!this.metadata.topic(OFFSETS_TOPIC)) return ErrorCode.NOT_COORDINATOR;
    const index = this.partitionFor(groupId);
    if (!this.partition(index)) return ErrorCode.NOT_COORDINATOR;
    if (this.loading.has(index)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.loaded.has(index)) {
      this.loadLedPartitions();
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    }
    return ErrorCode.NONE;
  }

  private loadLedPartitions(): void {
    const topic = this.metadata.topic(OFFSETS_TOPIC);
    if (!topic || this.closed) return;
    for (const p of topic.partitions) {
      const partition = this.partition(p.partition);
      if (!partition || this.loading.has(p.partition) || this.loaded.has(p.partition)) continue;
      this.loading.add(p.partition);
      const started = Date.now();
      loadPartition(
        partition.log,
        (r) => this.replay(r),
        () => this.closed,
      )
        .then(({ records }) => {
          this.loaded.add(p.partition);
          this.afterLoad(p.partition);
          if (records > 0)
            this.logger.info(
              { partition: p.partition, records, ms: Date.now() - started },
              'loaded group coordinator partition',
            );
        })
        .catch((err: unknown) =>
          this.logger.error({ err, partition: p.partition }, 'loading coordinator partition failed'),
        )
        .finally(() => this.loading.delete(p.partition));
    }
  }

  /**
   * This broker no longer leads offsets partition `index` (LeaderAndIsr made it a follower, or
   * StopReplica): its groups and offsets leave memory, and the new leader loads them from the log.
   */
  resign(index: number): void {
    if (!this.loaded.has(index) && !this.loading.has(index)) return;
    this.loaded.delete(index);
    for (const groupId of [...this.groups.keys()]) {
      if (this.partitionFor(groupId) !== index) continue;
      this.timers.cancelPrefix(`classic/${groupId}/`);
      this.timers.cancelPrefix(`consumer/${groupId}/`);
      this.groups.delete(groupId);
    }
    for (const groupId of this.offsets.groupIds())
      if (this.partitionFor(groupId) === index) this.offsets.removeGroup(groupId);
    this.logger.info({ partition: index }, 'unloaded group coordinator partition (leadership moved)');
  }

  /** Loads offsets partitions this broker has just become leader of. */
  onLeadership(): void {
    this.loadLedPartitions();
  }

  /** Loaded members have no sessions running yet: start them, as if each had just heartbeated. */
  private afterLoad(index: number): void {
    for (const group of this.groups.values()) {
      if (this.partitionFor(group.groupId) !== index) continue;
      if (group instanceof ClassicGroup)
        for (const m of group.members.values()) resetSession(this.classicEnv, group, m);
      else scheduleConsumerSessions(this, group);
    }
  }

  // ---- writing and replaying records ----

  /**
   * Appends records to the group's partition as one batch, then replays them. Returns a Kafka
   * error code; on anything but NONE nothing was applied.
   */
  append(groupId: string, records: CoordinatorRecord[]): number {
    if (records.length === 0) return ErrorCode.NONE;
    const partition = this.partition(this.partitionFor(groupId));
    if (!partition) return ErrorCode.NOT_COORDINATOR;
    const now = this.timers.now();
    const batch = encodeRecordBatch({ records: records.map(encodeRecord), timestamp: now });
    const outcome = partition.appendAsLeader(batch, -1);
    if (outcome.errorCode !== ErrorCode.NONE) {
      this.logger.warn({ groupId, error: outcome.errorMessage }, 'writing to the offsets topic failed');
      return outcome.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER
        ? ErrorCode.NOT_COORDINATOR
        : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    for (const r of records) this.replay(r);
    return ErrorCode.NONE;
  }

  private persistClassic(group: ClassicGroup, value: GroupMetadataValue): number {
    return this.append(group.groupId, [{ type: 'group', group: group.groupId, value }]);
  }

  /** Applies one record to memory: the only path by which persisted state changes. */
  replay(record: CoordinatorRecord): void {
    const now = this.timers.now();
    switch (record.type) {
      case 'offset':
        this.offsets.replay(record.group, record.topic, record.partition, record.value);
        // A group known only by its offsets (simple commits) is an Empty classic group, as in Kafka.
        if (record.value !== null && !this.groups.has(record.group))
          this.groups.set(record.group, new ClassicGroup(record.group, now));
        return;
      case 'group': {
        const existing = this.groups.get(record.group);
        if (record.value === null) {
          if (existing instanceof ClassicGroup) this.dropClassic(existing);
          return;
        }
        const group = existing instanceof ClassicGroup ? existing : new ClassicGroup(record.group, now);
        group.applyRecord(record.value, now);
        this.groups.set(record.group, group);
        return;
      }
      default: {
        let group = this.groups.get(record.group);
        if (!(group instanceof ConsumerGroup)) {
          if (record.value === null) return;
          group = new ConsumerGroup(record.group);
          this.groups.set(record.group, group);
        }
        group.replay(record);
        if (group.isDeleted()) this.groups.delete(record.group);
      }
    }
  }

  private dropClassic(group: ClassicGroup): void {
    for (const id of [...group.members.keys()]) removeMember(this.classicEnv, group, id);
    this.timers.cancelPrefix(`classic/${group.groupId}/`);
    group.transition('Dead', this.timers.now());
    this.groups.delete(group.groupId);
  }

  classicGroup(groupId: string, create: boolean): ClassicGroup | undefined {
    const g = this.groups.get(groupId);
    if (g instanceof ClassicGroup) return g;
    if (g || !create) return undefined;
    const created = new ClassicGroup(groupId, this.timers.now());
    this.groups.set(groupId, created);
    return created;
  }

  /** Drops an in-memory classic group that never got persisted state (a failed first join). */
  forgetIfUnused(group: ClassicGroup): void {
    if (
      group.state === 'Empty' &&
      group.members.size === 0 &&
      group.pendingMembers.size === 0 &&
      group.generationId === 0
    )
      if (!this.offsets.hasOffsets(group.groupId)) this.groups.delete(group.groupId);
  }
}
