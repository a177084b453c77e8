/**
 * The consumer: `subscribe` to topics as a member of a consumer group, or `assign` partitions
 * (manual assignment), then `poll()` for batches of records or iterate
 * `for await (const record of consumer)`. Positions advance as records are returned; `seek`,
 * `pause` and `resume` control them. Group membership (joining, assignment, commits) plugs in
 * through `GroupMembership` (see group-membership.ts and ../group/).
 *
 * ```ts
 * const consumer = new Consumer({ brokers: ['localhost:9092'], groupId: 'billing', autoOffsetReset: 'earliest' });
 * consumer.subscribe(['orders']);
 * for await (const record of consumer) console.log(record.offset, record.value?.toString());
 * ```
 */
import { Cluster } from '../cluster/cluster.js';
import { listOffsets, OffsetTimestamp } from '../cluster/list-offsets.js';
import { resolveClientOptions, type ClientOptions } from '../cluster/options.js';
import { ClientErrorCode, KafkaClientError } from '../errors.js';
import { isolationLevelCode, tpKey, type IsolationLevel, type OffsetSpec, type TopicPartition } from '../types.js';
import { ClassicMembership } from '../group/classic-membership.js';
import { ConsumerProtocolMembership } from '../group/consumer-membership.js';
import { resolveGroupOptions } from '../group/options.js';
import { StandaloneOffsets } from '../group/standalone-offsets.js';
import type { GroupOptions, RebalanceListener, ResolvedGroupOptions, SubscriptionSpec } from '../group/types.js';
import { Fetcher } from './fetcher.js';
import type {
  GroupMembership,
  GroupMetadata,
  LeaveMode,
  MembershipHost,
  OffsetAndMetadata,
} from './group-membership.js';
import type { ConsumerRecord } from './records.js';
import { SubscriptionState, type PartitionAssignment, type PartitionState } from './subscription.js';

export interface ConsumerOptions extends ClientOptions, GroupOptions {
  /** Where to start without an offset, or after OFFSET_OUT_OF_RANGE (`auto.offset.reset`). Default 'latest'. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** Default 'read_uncommitted'. read_committed stops at the last stable offset and drops aborted transactions. */
  isolationLevel?: IsolationLevel;
  /** Longest a fetch waits at the broker for `minBytes` (`fetch.max.wait.ms`). Default 500. */
  maxWaitMs?: number;
  /** Default 1 (`fetch.min.bytes`). */
  minBytes?: number;
  /** Per fetch response (`fetch.max.bytes`). Default 50 MiB. */
  maxBytes?: number;
  /** Per partition in a fetch (`max.partition.fetch.bytes`). Default 1 MiB. */
  maxPartitionBytes?: number;
  /** Records per poll (`max.poll.records`). Default 500. */
  maxPollRecords?: number;
  /** How long the async iterator's polls wait before polling again. Default 1 000. */
  pollTimeoutMs?: number;
}

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly cluster: Cluster;
  private readonly subscriptions: SubscriptionState;
  private readonly fetcher: Fetcher;
  private readonly maxPollRecords: number;
  private readonly pollTimeoutMs: number;
  private readonly isolationLevel: number;
  private membership: GroupMembership | null = null;
  private readonly group: ResolvedGroupOptions | null;
  private listener: RebalanceListener = {};
  private standalone: StandaloneOffsets | null = null;
  /** What the group membership sees of this consumer. */
  private readonly host: MembershipHost = {
    positions: () => this.positions(),
    assigned: async (partitions) => {
      this.subscriptions.add(partitions);
      this.fetcher.notify();
      await this.listener.onPartitionsAssigned?.(partitions);
    },
    revoked: async (partitions, lost) => {
      try {
        if (lost && this.listener.onPartitionsLost) await this.listener.onPartitionsLost(partitions);
        else await this.listener.onPartitionsRevoked?.(partitions);
      } finally {
        this.subscriptions.remove(partitions);
      }
    },
    wakeup: () => this.fetcher.notify(),
  };
  private nextPartition = 0;
  private closed = false;

  constructor(options: ConsumerOptions) {
    const client = resolveClientOptions(options);
    this.cluster = new Cluster(client, { allowAutoTopicCreation: false });
    this.subscriptions = new SubscriptionState(options.autoOffsetReset ?? 'latest');
    this.maxPollRecords = options.maxPollRecords ?? 500;
    this.pollTimeoutMs = options.pollTimeoutMs ?? 1_000;
    this.isolationLevel = isolationLevelCode(options.isolationLevel ?? 'read_uncommitted');
    this.group = resolveGroupOptions(options);
    this.fetcher = new Fetcher(this.cluster, this.subscriptions, {
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 52_428_800,
      maxPartitionBytes: options.maxPartitionBytes ?? 1_048_576,
      isolationLevel: this.isolationLevel,
      maxBufferedRecords: this.maxPollRecords,
    });
    this.cluster.onMetadataUpdate(() => this.fetcher.notify());
  }

  /** Fetches metadata once, proving a broker is reachable (optional: `poll` connects on first use). */
  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  /**
   * Manually assigns partitions, replacing the current assignment. Each starts at its `offset`,
   * else where it already was, else by `autoOffsetReset`.
   */
  assign(partitions: readonly PartitionAssignment[]): void {
    this.ensureOpen();
    if (this.membership)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'assign() cannot be used with a group subscription');
    this.subscriptions.assign(partitions);
    for (const topic of new Set(partitions.map((p) => p.topic))) void this.cluster.topic(topic).catch(() => undefined);
    this.fetcher.notify();
  }

  /**
   * Joins the consumer group (`groupId`) and consumes what the group assigns: topics by name,
   * or every topic matching a pattern (new matches are picked up at metadata refreshes, every
   * `metadataMaxAgeMs`). Subscribing again changes the subscription. The group is joined in the
   * next `poll()`; `listener` runs inside `poll()` around assignment changes.
   */
  subscribe(topics: SubscriptionSpec, listener: RebalanceListener = {}): void {
    this.ensureOpen();
    if (!this.group) throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'subscribe() needs the groupId option');
    if (!(topics instanceof RegExp) && topics.length === 0)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'subscribe() needs topics; use close() to leave');
    if (this.subscriptions.all.length > 0 && !this.membership)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'the consumer already has a manual assignment');
    this.listener = listener;
    if (this.membership) {
      this.membership.subscribe(topics);
      return;
    }
    this.membership =
      this.group.groupProtocol === 'consumer'
        ? new ConsumerProtocolMembership(this.cluster, this.group, topics)
        : new ClassicMembership(this.cluster, this.group, topics);
  }

  /** The member's identity in its group (memberId, generation or member epoch), or null before `subscribe`. */
  groupMetadata(): GroupMetadata | null {
    return this.membership?.metadata() ?? null;
  }

  /** The group's committed offsets of these partitions (null where there is none), keyed by `tpKey`. */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    return this.groupOffsets().committed(partitions);
  }

  /** Where commits go: the membership when subscribed, else the group as a non-member (manual assignment). */
  private groupOffsets(): Pick<GroupMembership, 'commit' | 'committed'> {
    if (this.membership) return this.membership;
    if (!this.group)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'committed offsets need the groupId option');
    this.standalone ??= new StandaloneOffsets(this.cluster, this.group.groupId);
    return this.standalone;
  }

  /** Leaves the group (committing first with auto commit) and drops the assignment; `subscribe` joins again. */
  async unsubscribe(): Promise<void> {
    const membership = this.membership;
    if (!membership) return;
    this.membership = null;
    await membership.leave(this.host, 'leave');
    this.subscriptions.assign([]);
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return this.subscriptions.all.map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves a partition's position; buffered and in-flight data for it is dropped. */
  seek(tp: TopicPartition, offset: OffsetSpec): void {
    this.subscriptions.seek(this.subscriptions.require(tp), offset);
    this.fetcher.notify();
  }

  /** The next offset `poll` returns for a partition, or null while it is being looked up. */
  position(tp: TopicPartition): number | null {
    return this.subscriptions.require(tp).position;
  }

  /** Stops returning and fetching records of these partitions (positions and buffers are kept). */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subscriptions.require(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subscriptions.require(tp).paused = false;
    this.fetcher.notify();
  }

  paused(): TopicPartition[] {
    return this.subscriptions.all.filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The last high watermark seen for a partition (-1 before the first fetch). */
  highWatermark(tp: TopicPartition): number {
    return this.subscriptions.require(tp).highWatermark;
  }

  /**
   * Returns up to `maxPollRecords` records, waiting up to `timeoutMs` for some. Right after
   * taking records from the buffer it sends the next fetches, so they run while the caller works.
   */
  async poll(timeoutMs = this.pollTimeoutMs): Promise<ConsumerRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Let pending socket reads run first: an application working through a large buffered
      // response (all microtasks) would otherwise never let other brokers' responses in.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.closed) return [];
      await this.applyMembership();
      await this.resetPositions();
      const error = this.fetcher.takeErrors()[0];
      if (error !== undefined) throw error;
      const records = this.drainBuffered();
      this.fetcher.sendFetches();
      if (records.length > 0) return records;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.fetcher.waitForData(left);
    }
  }

  /** Takes buffered records, round-robin over partitions, advancing positions. */
  private drainBuffered(): ConsumerRecord[] {
    const states = this.subscriptions.all;
    const out: ConsumerRecord[] = [];
    for (let i = 0; i < states.length && out.length < this.maxPollRecords; i++) {
      const s = states[(this.nextPartition + i) % states.length]!;
      if (s.paused || s.buffered.length === 0) continue;
      const take = s.buffered.splice(0, this.maxPollRecords - out.length);
      for (const r of take) out.push(r);
      s.position = take[take.length - 1]!.offset + 1;
      s.leaderEpoch = take[take.length - 1]!.leaderEpoch;
    }
    if (states.length > 0) this.nextPartition = (this.nextPartition + 1) % states.length;
    // Positions that passed gaps (compaction, control batches) follow the fetch position.
    for (const s of states)
      if (s.buffered.length === 0 && s.fetchPosition !== null && s.position !== null && s.fetchPosition > s.position)
        s.position = s.fetchPosition;
    return out;
  }

  /** Looks up positions of partitions that have none: committed offset (in a group), else the reset policy. */
  private async resetPositions(): Promise<void> {
    const pending = this.subscriptions.needingReset();
    if (pending.length === 0) return;
    const fromCommitted = pending.filter((s) => s.useCommitted);
    if ((this.membership || this.group) && fromCommitted.length > 0) {
      const before = new Map(fromCommitted.map((s) => [s, s.generation]));
      const committed = await this.groupOffsets().committed(fromCommitted);
      for (const s of fromCommitted) {
        const offset = committed.get(tpKey(s.topic, s.partition));
        const unchanged = s.generation === before.get(s) && this.subscriptions.get(s.topic, s.partition) === s;
        if (offset !== null && offset !== undefined && unchanged) this.subscriptions.seek(s, offset);
      }
    }
    const lookups = pending.filter((s) => s.position === null);
    const none = lookups.find((s) => s.reset === 'none');
    if (none)
      throw new KafkaClientError(
        ClientErrorCode.IllegalState,
        `no offset for ${none.topic}-${none.partition} and autoOffsetReset is 'none'`,
      );
    if (lookups.length === 0) return;
    const queries = lookups.map((s) => ({
      topic: s.topic,
      partition: s.partition,
      timestamp: s.reset === 'earliest' ? OffsetTimestamp.Earliest : OffsetTimestamp.Latest,
    }));
    const generations = new Map(lookups.map((s) => [s, s.generation]));
    const answers = await listOffsets(this.cluster, queries, this.isolationLevel);
    for (const s of lookups) {
      const a = answers.get(tpKey(s.topic, s.partition));
      // Skip partitions re-seeked or unassigned while the lookup ran.
      if (a && s.generation === generations.get(s) && this.subscriptions.get(s.topic, s.partition) === s)
        this.subscriptions.seek(s, a.offset);
    }
  }

  private async applyMembership(): Promise<void> {
    if (this.membership) await this.membership.poll(this.host);
  }

  /** Positions of all assigned partitions that have one, as offsets to commit. */
  positions(): OffsetAndMetadata[] {
    return this.subscriptions.all
      .filter((s): s is PartitionState & { position: number } => s.position !== null)
      .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.leaderEpoch }));
  }

  /** Uses a custom group membership for assignment and commits (what `subscribe` sets up). */
  useMembership(membership: GroupMembership): void {
    if (this.subscriptions.all.length > 0)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'the consumer already has a manual assignment');
    this.membership = membership;
  }

  /**
   * Commits offsets (default: the positions of every owned partition, i.e. everything `poll`
   * returned) with the member's generation, so a member that was fenced cannot overwrite its
   * successor's commits (it gets ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or REBALANCE_IN_PROGRESS
   * and rejoins at the next poll).
   */
  async commit(offsets: readonly OffsetAndMetadata[] = this.positions()): Promise<void> {
    await this.groupOffsets().commit(offsets);
  }

  /**
   * Records one by one, polling as needed, until the consumer is closed. Leaving the loop early
   * moves positions back to the first record not yet yielded, so none is skipped.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    while (!this.closed) {
      const records = await this.poll();
      let delivered = 0;
      try {
        for (const record of records) {
          delivered++;
          yield record;
        }
      } finally {
        if (delivered < records.length && !this.closed) this.rewind(records.slice(delivered));
      }
    }
  }

  /** Seeks each partition back to the first of `records` it has. */
  private rewind(records: readonly ConsumerRecord[]): void {
    const first = new Map<string, ConsumerRecord>();
    for (const r of records) if (!first.has(tpKey(r.topic, r.partition))) first.set(tpKey(r.topic, r.partition), r);
    for (const r of first.values()) {
      const s = this.subscriptions.get(r.topic, r.partition);
      if (s) this.subscriptions.seek(s, r.offset);
    }
  }

  /**
   * Stops fetching, commits (auto commit) and leaves the group if any, closes connections; a
   * pending poll returns []. `groupMembership`: 'default' leaves unless the member is static,
   * 'leave' always sends the leave request, 'remain' never does (the group rebalances when the
   * session times out, or, for a static member, keeps its partitions for its return).
   */
  async close(options: { groupMembership?: LeaveMode } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fetcher.notify();
    try {
      await this.membership?.leave(this.host, options.groupMembership ?? 'default');
    } finally {
      this.cluster.close();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new KafkaClientError(ClientErrorCode.Closed, 'the consumer is closed');
  }
}
