/**
 * The consumer: `assign` partitions (manual assignment), then `poll()` for batches of records or
 * iterate `for await (const record of consumer)`. Positions advance as records are returned;
 * `seek`, `pause` and `resume` control them. Group membership (subscribe, commits) plugs in
 * through `GroupMembership` (see group-membership.ts).
 *
 * ```ts
 * const consumer = new Consumer({ brokers: ['localhost:9092'], autoOffsetReset: 'earliest' });
 * consumer.assign([{ topic: 'orders', partition: 0 }]);
 * for await (const record of consumer) console.log(record.offset, record.value?.toString());
 * ```
 */
import { Cluster } from '../cluster/cluster.js';
import { listOffsets, OffsetTimestamp } from '../cluster/list-offsets.js';
import { resolveClientOptions, type ClientOptions } from '../cluster/options.js';
import { ClientErrorCode, KafkaClientError } from '../errors.js';
import { isolationLevelCode, tpKey, type IsolationLevel, type OffsetSpec, type TopicPartition } from '../types.js';
import { Fetcher } from './fetcher.js';
import type { GroupMembership, OffsetAndMetadata } from './group-membership.js';
import type { ConsumerRecord } from './records.js';
import { SubscriptionState, type PartitionAssignment, type PartitionState } from './subscription.js';

export interface ConsumerOptions extends ClientOptions {
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
  private nextPartition = 0;
  private closed = false;

  constructor(options: ConsumerOptions) {
    const client = resolveClientOptions(options);
    this.cluster = new Cluster(client, { allowAutoTopicCreation: false });
    this.subscriptions = new SubscriptionState(options.autoOffsetReset ?? 'latest');
    this.maxPollRecords = options.maxPollRecords ?? 500;
    this.pollTimeoutMs = options.pollTimeoutMs ?? 1_000;
    this.isolationLevel = isolationLevelCode(options.isolationLevel ?? 'read_uncommitted');
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
    const todo = this.subscriptions.needingReset();
    if (todo.length === 0) return;
    if (this.membership) {
      const committed = await this.membership.committed(todo);
      for (const s of todo) {
        const offset = committed.get(tpKey(s.topic, s.partition));
        if (offset !== null && offset !== undefined) this.subscriptions.seek(s, offset);
      }
    }
    const lookups = todo.filter((s) => s.position === null);
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
    if (!this.membership) return;
    const change = await this.membership.poll({ positions: () => this.positions() });
    if (!change) return;
    this.subscriptions.remove(change.revoked);
    this.subscriptions.add(change.assigned);
  }

  /** Positions of all assigned partitions that have one, as offsets to commit. */
  positions(): OffsetAndMetadata[] {
    return this.subscriptions.all
      .filter((s): s is PartitionState & { position: number } => s.position !== null)
      .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position }));
  }

  /**
   * Uses a group membership for assignment and commits (the seam `subscribe` will use). Not for
   * applications yet: see the README's "Consumer groups" section.
   */
  useMembership(membership: GroupMembership): void {
    if (this.subscriptions.all.length > 0)
      throw new KafkaClientError(ClientErrorCode.IllegalState, 'the consumer already has a manual assignment');
    this.membership = membership;
  }

  /** Commits offsets (default: the current positions) through the group membership. */
  async commit(offsets: readonly OffsetAndMetadata[] = this.positions()): Promise<void> {
    if (!this.membership) throw new KafkaClientError(ClientErrorCode.IllegalState, 'commit() needs a consumer group');
    await this.membership.commit(offsets);
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

  /** Stops fetching, leaves the group if any, closes connections; a pending poll returns []. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fetcher.notify();
    try {
      await this.membership?.leave();
    } finally {
      this.cluster.close();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new KafkaClientError(ClientErrorCode.Closed, 'the consumer is closed');
  }
}
