/**
 * Owns the partitions this broker hosts (Kafka's `ReplicaManager`): opens their logs, makes each
 * leader or follower as the controller says (LeaderAndIsr in a cluster; the embedded single
 * broker leads every partition its metadata holds), applies topic configs (broker defaults,
 * dynamic broker overrides, topic overrides), runs retention, flushing, compaction, ISR checks
 * and producer-state snapshots on timers, and holds the delayed operations: produces waiting for
 * replication (a purgatory keyed by partition) and fetches waiting for appends.
 */
import { join } from 'node:path';
import {
  LogManager,
  parseLogConfig,
  parsePartitionDirName,
  partitionDirName,
  type LoadSummary,
  type LogConfig,
} from '@gregor/storage';
import { ErrorCode } from '@gregor/protocol';
import type { Logger } from 'pino';
import { BROKER_CONFIG, type BrokerConfig } from '../config/broker-config.js';
import type { MetadataEvent, MetadataStore, PartitionState, TopicState } from '../metadata/metadata-store.js';
import { Purgatory } from '../purgatory/purgatory.js';
import { recordBatchCodec } from './batch-codec.js';
import { Partition, type PartitionHooks } from './partition.js';
import { recordPolicyFrom } from './record-policy.js';

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export type PartitionLookup =
  { partition: Partition; errorCode: typeof ErrorCode.NONE } | { partition: undefined; errorCode: number };

/** One partition of a LeaderAndIsr request. */
export interface LeaderAndIsrEntry {
  topic: string;
  state: PartitionState;
}

export interface ReplicaManagerOptions {
  maxOpenFiles: number;
  /**
   * Cluster mode: partitions come and go by the controller's LeaderAndIsr and StopReplica only,
   * and a leader's ISR changes go through `alterIsr`. Without it, metadata changes drive them.
   */
  cluster?: { alterIsr: PartitionHooks['alterIsr']; isrChanged?: PartitionHooks['isrChanged'] };
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  readonly logs: LogManager;
  /** Produces with acks=all waiting for their batches to reach the ISR. */
  readonly producePurgatory = new Purgatory<Partition>('produce');
  private readonly hooks: PartitionHooks;
  private readonly clusterMode: boolean;
  private compacting = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly metadata: MetadataStore,
    private readonly logger: Logger,
    options: ReplicaManagerOptions,
  ) {
    this.clusterMode = options.cluster !== undefined;
    this.hooks = {
      alterIsr: options.cluster?.alterIsr ?? (async () => undefined),
      changed: (p) => this.producePurgatory.checkAndComplete(p),
      ...(options.cluster?.isrChanged ? { isrChanged: options.cluster.isrChanged } : {}),
    };
    this.logs = LogManager.open(config.logDir, {
      configFor: (topic) => this.logConfigFor(topic),
      codec: recordBatchCodec,
      maxOpenFiles: options.maxOpenFiles,
    });
    logLoadSummary(this.logs.loadSummary, logger);
  }

  /**
   * Embedded: opens every partition metadata knows. Both: follows metadata changes from now on
   * and starts the timers.
   */
  start(): void {
    if (!this.clusterMode) {
      for (const topic of this.metadata.topics()) this.openTopic(topic);
      this.removeStrayLogs();
    }
    this.unsubscribe = this.metadata.subscribe((e) => this.onMetadata(e));
    const every = (ms: number, what: string, fn: () => unknown) => {
      const t = setInterval(() => {
        try {
          const r = fn();
          if (r instanceof Promise) r.catch((err: unknown) => this.logger.error({ err }, `${what} failed`));
        } catch (err) {
          this.logger.error({ err }, `${what} failed`);
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.config.int('log.retention.check.interval.ms'), 'retention', () => this.applyRetention());
    every(this.config.int('log.flush.scheduler.interval.ms'), 'flush', () => this.logs.flushDue());
    every(this.config.int('replica.high.watermark.checkpoint.interval.ms'), 'high watermark checkpoint', () =>
      this.logs.checkpointHighWatermarks(),
    );
    every(this.config.int('log.flush.offset.checkpoint.interval.ms'), 'recovery point checkpoint', () =>
      this.logs.checkpointRecoveryPoints(),
    );
    every(this.config.int('log.cleaner.backoff.ms'), 'compaction', () => this.compact());
    every(30_000, 'producer snapshot', () => this.snapshotProducers());
    if (this.clusterMode) {
      const maxLagMs = this.config.int('replica.lag.time.max.ms');
      every(Math.max(Math.floor(maxLagMs / 2), 100), 'ISR check', () => {
        const now = Date.now();
        for (const p of this.partitions.values()) p.maybeShrinkIsr(now, maxLagMs);
      });
    }
  }

  /** The effective topic config under Kafka's names: broker defaults < dynamic broker < topic. */
  topicConfig(topic: string): Record<string, string> {
    return { ...this.topicDefaults(), ...(this.metadata.topicOverrides(topic) ?? {}) };
  }

  /** What a topic without overrides gets: the static broker defaults < the dynamic broker ones. */
  topicDefaults(): Record<string, string> {
    return { ...this.config.topicDefaults(), ...dynamicTopicDefaults(this.metadata.brokerConfigs()) };
  }

  logConfigFor(topic: string): LogConfig {
    return parseLogConfig(this.topicConfig(topic));
  }

  private settingsFor(topic: string): Partition['settings'] {
    const c = this.topicConfig(topic);
    return { ...recordPolicyFrom(c), minInsyncReplicas: Number(c['min.insync.replicas'] ?? '1') };
  }

  /**
   * Opens (creating when new) the logs of `topic`'s partitions from `fromPartition` on. All or
   * nothing: if one fails, the partitions opened by this call are closed again, the logs it
   * created are deleted, and the error is rethrown (the metadata change is then undone).
   */
  private openTopic(topic: TopicState, fromPartition = 0): void {
    const config = this.logConfigFor(topic.name);
    const settings = this.settingsFor(topic.name);
    const opened: { partition: number; created: boolean }[] = [];
    try {
      for (const p of topic.partitions.slice(fromPartition)) {
        if (!p.replicas.includes(this.config.nodeId)) continue;
        const created = !this.logs.getLog(topic.name, p.partition);
        opened.push({ partition: p.partition, created });
        this.createPartition(topic.name, p, config, settings);
      }
    } catch (err) {
      this.logger.error(
        { err, topic: topic.name, partitions: opened.length },
        `opening the logs of ${topic.name} failed: undoing`,
      );
      for (const { partition, created } of opened) this.dropPartition(topic.name, partition, created);
      throw err;
    }
  }

  private createPartition(
    topic: string,
    state: PartitionState,
    config = this.logConfigFor(topic),
    settings = this.settingsFor(topic),
  ): Partition {
    const log = this.logs.getOrCreateLog(topic, state.partition, config);
    const dir = join(this.config.logDir, partitionDirName(topic, state.partition));
    const partition = new Partition(topic, state.partition, log, dir, state, settings, this.config.nodeId, this.hooks);
    this.partitions.set(key(topic, state.partition), partition);
    return partition;
  }

  /**
   * LeaderAndIsr: makes each partition leader or follower under its new state. A state not newer
   * than the one held (leader epoch, then partition epoch) is stale and ignored with
   * STALE_CONTROLLER_EPOCH, as Kafka does. Returns the error per entry and what changed role.
   */
  becomeLeaderOrFollower(
    entries: LeaderAndIsrEntry[],
    now = Date.now(),
  ): { errors: number[]; leaders: Partition[]; followers: Partition[] } {
    const errors: number[] = [];
    const leaders: Partition[] = [];
    const followers: Partition[] = [];
    for (const { topic, state } of entries) {
      if (!state.replicas.includes(this.config.nodeId)) {
        errors.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const existing = this.partitions.get(key(topic, state.partition));
      if (
        existing &&
        (state.leaderEpoch < existing.leaderEpoch ||
          (state.leaderEpoch === existing.leaderEpoch &&
            (state.partitionEpoch ?? 0) <= (existing.state.partitionEpoch ?? 0)))
      ) {
        errors.push(ErrorCode.STALE_CONTROLLER_EPOCH);
        continue;
      }
      try {
        const leads = state.leader === this.config.nodeId;
        let partition = existing;
        if (!partition) partition = this.createPartition(topic, state);
        else if (leads) partition.makeLeader(state, now);
        else if (state.leaderEpoch === partition.leaderEpoch && !partition.isLeader) partition.updateIsr(state);
        else partition.makeFollower(state);
        (leads ? leaders : followers).push(partition);
        errors.push(ErrorCode.NONE);
      } catch (err) {
        this.logger.error({ err, topic, partition: state.partition }, 'could not take on a replica');
        errors.push(ErrorCode.KAFKA_STORAGE_ERROR);
      }
    }
    return { errors, leaders, followers };
  }

  /** UpdateMetadata for a partition this broker hosts: a new ISR under the same leader epoch. */
  updatePartitionState(topic: string, state: PartitionState): void {
    const p = this.partitions.get(key(topic, state.partition));
    if (!p || state.leaderEpoch !== p.leaderEpoch) return;
    if ((state.partitionEpoch ?? 0) <= (p.state.partitionEpoch ?? 0)) return;
    p.updateIsr(state);
  }

  /** StopReplica: stops serving a partition; with `deleteLog` (topic deletion, reassignment away) removes it. */
  stopReplica(topic: string, partition: number, deleteLog: boolean): void {
    this.dropPartition(topic, partition, deleteLog);
  }

  /** Forgets a partition; with `deleteLog`, removes its log too (else it stays on disk unserved). */
  private dropPartition(topic: string, partition: number, deleteLog: boolean): void {
    const p = this.partitions.get(key(topic, partition));
    this.partitions.delete(key(topic, partition));
    if (p) {
      p.makeFollower({ ...p.state, leader: -1 });
      this.producePurgatory.checkAndComplete(p);
    }
    if (!deleteLog) return;
    this.logs
      .deleteLog(topic, partition)
      .catch((err: unknown) => this.logger.error({ err, topic, partition }, 'deleting a log failed'));
  }

  /**
   * Logs on disk that metadata does not know: left by a crash between creating a topic's logs and
   * saving the metadata. Empty ones are removed; ones holding records are kept on disk (not
   * served) with a warning, since deleting data is not for a guess to decide.
   */
  private removeStrayLogs(): void {
    for (const [name, log] of this.logs.allLogs()) {
      const owner = [...this.partitions.values()].some((p) => p.log === log);
      if (owner) continue;
      const parsed = parsePartitionDirName(name);
      if (!parsed) continue;
      if (log.logEndOffset === 0 && log.size === 0) {
        this.logger.info({ log: name }, `removing ${name}: an empty log that no topic in metadata owns`);
        this.dropPartition(parsed.topic, parsed.partition, true);
      } else this.logger.warn({ log: name }, `${name} is not in metadata: kept on disk, not served`);
    }
  }

  private onMetadata(e: MetadataEvent): void {
    // In a cluster, partitions come and go only by the controller's requests.
    if (this.clusterMode && e.type !== 'topic-configs-changed' && e.type !== 'broker-configs-changed') return;
    switch (e.type) {
      case 'topic-created':
        this.openTopic(e.topic);
        break;
      case 'partitions-added':
        this.openTopic(e.topic, e.from);
        break;
      case 'partitions-removed':
        for (const p of e.topic.partitions.slice(e.from)) this.dropPartition(e.topic.name, p.partition, true);
        break;
      case 'topic-deleted':
        for (const p of e.topic.partitions) this.dropPartition(e.topic.name, p.partition, true);
        break;
      case 'topic-configs-changed':
        this.reconfigure([e.topic]);
        break;
      case 'broker-configs-changed':
        this.reconfigure(this.metadata.topics());
        break;
    }
  }

  private reconfigure(topics: TopicState[]): void {
    for (const topic of topics) {
      const config = this.logConfigFor(topic.name);
      const settings = this.settingsFor(topic.name);
      for (const p of topic.partitions) {
        const partition = this.partitions.get(key(topic.name, p.partition));
        if (!partition) continue;
        partition.log.updateConfig(config);
        partition.settings = settings;
      }
    }
  }

  /**
   * The one lookup every partition-level request makes (Kafka's getPartitionOrError plus the
   * KIP-320 epoch check): the partition this broker serves, or the error to answer with.
   * `currentLeaderEpoch` -1 means the client did not say.
   */
  servedPartition(topic: string, index: number, currentLeaderEpoch = -1): PartitionLookup {
    const partition = this.partitions.get(key(topic, index));
    if (!partition) {
      const state = this.metadata.topic(topic);
      const known = state && index >= 0 && index < state.partitions.length;
      return {
        partition: undefined,
        errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      };
    }
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch !== partition.leaderEpoch)
      return {
        partition: undefined,
        errorCode:
          currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH,
      };
    if (!partition.isLeader) return { partition: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    return { partition, errorCode: ErrorCode.NONE };
  }

  partition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(key(topic, partition));
  }

  allPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /**
   * Resolves after the first append to any of `partitions`, after `timeoutMs`, or when `signal`
   * aborts: a delayed fetch waits here (Kafka's fetch purgatory).
   */
  waitForAppend(partitions: Partition[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const cancels: (() => void)[] = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const c of cancels) c();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const p of partitions) cancels.push(p.onNextAppend(done));
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done);
    });
  }

  applyRetention(): void {
    const results = this.logs.applyRetention();
    for (const [name, result] of results)
      if (result.deletedSegments > 0) this.logger.info({ log: name, ...result }, 'retention deleted segments');
    for (const p of this.partitions.values()) p.logStartMoved();
  }

  /**
   * One cleaner pass, as Kafka's cleaner thread works: repeatedly the dirtiest compacted log
   * whose dirty ratio exceeds its min.cleanable.dirty.ratio, or that holds records past
   * max.compaction.lag.ms, until none is left (each log at most once per pass). Logs only
   * when a cleaning removed something.
   */
  async compact(now = Date.now()): Promise<void> {
    if (this.compacting) return;
    this.compacting = true;
    try {
      const done = new Set<Partition>();
      for (;;) {
        const next = this.dirtiestLog(now, done);
        if (!next) break;
        done.add(next);
        const stats = await next.log.compact(now);
        if (stats.recordsRemoved > 0)
          this.logger.info({ topic: next.topic, partition: next.index, ...stats }, 'compacted');
      }
    } finally {
      this.compacting = false;
    }
  }

  private dirtiestLog(now: number, skip: Set<Partition>): Partition | undefined {
    let dirtiest: Partition | undefined;
    let highest = -1;
    for (const p of this.partitions.values()) {
      const config = p.log.config;
      if (skip.has(p) || !config.cleanupPolicy.compact) continue;
      const demand = p.log.cleaningDemand(now);
      const overdue = demand.maxCompactionDelayMs > 0 && demand.cleanableBytes > 0;
      if ((overdue || demand.dirtyRatio > config.minCleanableDirtyRatio) && demand.dirtyRatio > highest) {
        dirtiest = p;
        highest = demand.dirtyRatio;
      }
    }
    return dirtiest;
  }

  snapshotProducers(): void {
    for (const p of this.partitions.values()) p.snapshotProducerState();
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
    this.producePurgatory.completeAll();
    for (const p of this.partitions.values()) p.wakeWaiters();
    this.snapshotProducers();
    this.logs.close();
  }
}

/**
 * One line per partition recovery had work on (after an unclean shutdown) and a summary; a clean
 * start logs only the summary.
 */
function logLoadSummary(summary: LoadSummary, logger: Logger): void {
  for (const r of summary.recovered) {
    const fields = {
      log: r.name,
      segmentsChecked: r.segmentsChecked,
      checkedFromOffset: r.checkedFromOffset,
      checkedBytes: r.checkedBytes,
      truncatedBytes: r.truncatedBytes,
      truncatedAtOffset: r.truncatedAtOffset,
      logEndOffset: r.logEndOffset,
      ...(r.problems.length > 0 ? { problems: r.problems } : {}),
    };
    if (r.truncatedBytes > 0)
      logger.warn(fields, `recovered ${r.name}: truncated ${r.truncatedBytes} bytes at offset ${r.truncatedAtOffset}`);
    else
      logger.info(
        fields,
        `recovered ${r.name}: ${r.segmentsChecked} segment(s) checked from offset ${r.checkedFromOffset}, nothing truncated`,
      );
  }
  // A new or empty data directory has no shutdown to speak of.
  const how =
    summary.partitions === 0 ? '' : summary.cleanShutdown ? ' after a clean shutdown' : ' after an unclean shutdown';
  logger.info(
    {
      partitions: summary.partitions,
      recovered: summary.recovered.length,
      truncated: summary.recovered.filter((r) => r.truncatedBytes > 0).length,
      durationMs: summary.durationMs,
      cleanShutdown: summary.cleanShutdown,
    },
    `loaded ${summary.partitions} partitions${how}, ${summary.recovered.length} recovered, in ${summary.durationMs} ms`,
  );
}

/** Dynamic broker overrides (log.retention.ms=…) as topic defaults (retention.ms=…). */
function dynamicTopicDefaults(brokerConfigs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(brokerConfigs)) {
    const topicKey = BROKER_TO_TOPIC[k];
    if (topicKey) out[topicKey] = v;
  }
  return out;
}

/**
 * Broker configs that can change at runtime (AlterConfigs on BROKER), each with the topic config
 * it defaults: as in Kafka, every topic config's broker default except log.message.format.version.
 */
export const BROKER_TO_TOPIC: Record<string, string> = Object.fromEntries(
  Object.entries(BROKER_CONFIG).flatMap(([name, def]) =>
    'topicConfig' in def && name !== 'log.message.format.version' ? [[name, def.topicConfig]] : [],
  ),
);
