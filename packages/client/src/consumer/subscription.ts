/**
 * The consumer's partitions and where it is in each: `position` is the next offset to hand to
 * the application, `fetchPosition` the next offset to fetch (ahead of `position` by what is
 * buffered). A partition whose position is unknown waits for an offset reset.
 */
import { ClientErrorCode, KafkaClientError } from '../errors.js';
import { tpKey, type OffsetSpec, type TopicPartition } from '../types.js';
import type { ConsumerRecord } from './records.js';

export interface PartitionState extends TopicPartition {
  /** Next offset to return; null while it must be looked up (`reset`). */
  position: number | null;
  /** Where to look it up from when null. */
  reset: 'earliest' | 'latest' | 'none';
  fetchPosition: number | null;
  paused: boolean;
  /** Fetched records not yet returned, from `position` on. */
  buffered: ConsumerRecord[];
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** True until positioned: a group consumer then starts at the committed offset, if any. */
  useCommitted: boolean;
  /** Leader epoch of the last record returned (-1 when unknown), committed with the position. */
  leaderEpoch: number;
  /** Bumped on every seek, so a fetch that was in flight across it is recognised as stale. */
  generation: number;
}

export interface PartitionAssignment extends TopicPartition {
  /** Default: the consumer's committed offset when in a group, else `autoOffsetReset`. */
  offset?: OffsetSpec;
}

export class SubscriptionState {
  private readonly partitions = new Map<string, PartitionState>();

  constructor(private readonly defaultReset: 'earliest' | 'latest' | 'none') {}

  get all(): PartitionState[] {
    return [...this.partitions.values()];
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(tpKey(topic, partition));
  }

  require(tp: TopicPartition): PartitionState {
    const s = this.get(tp.topic, tp.partition);
    if (!s) throw new KafkaClientError(ClientErrorCode.IllegalState, `${tp.topic}-${tp.partition} is not assigned`);
    return s;
  }

  /** Replaces the assignment; partitions kept keep their position and buffer unless given an offset. */
  assign(list: readonly PartitionAssignment[]): void {
    const keep = new Set(list.map((a) => tpKey(a.topic, a.partition)));
    for (const k of [...this.partitions.keys()]) if (!keep.has(k)) this.partitions.delete(k);
    this.add(list);
  }

  /** Adds partitions (incremental assignment); an existing one is only re-positioned if given an offset. */
  add(list: readonly PartitionAssignment[]): void {
    for (const a of list) {
      const existing = this.get(a.topic, a.partition);
      if (existing && a.offset === undefined) continue;
      const state: PartitionState = existing ?? {
        topic: a.topic,
        partition: a.partition,
        position: null,
        reset: this.defaultReset,
        fetchPosition: null,
        paused: false,
        buffered: [],
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        useCommitted: true,
        leaderEpoch: -1,
        generation: 0,
      };
      this.partitions.set(tpKey(a.topic, a.partition), state);
      if (a.offset !== undefined) this.seek(state, a.offset);
    }
  }

  remove(list: readonly TopicPartition[]): void {
    for (const tp of list) this.partitions.delete(tpKey(tp.topic, tp.partition));
  }

  seek(state: PartitionState, offset: OffsetSpec | 'none'): void {
    state.buffered = [];
    state.generation++;
    state.useCommitted = false;
    if (typeof offset === 'number') {
      if (!Number.isSafeInteger(offset) || offset < 0)
        throw new KafkaClientError(ClientErrorCode.IllegalState, `cannot seek to offset ${offset}`);
      state.position = offset;
      state.fetchPosition = offset;
      state.leaderEpoch = -1;
    } else {
      state.position = null;
      state.fetchPosition = null;
      state.reset = offset;
    }
  }

  /** `autoOffsetReset: 'none'`: a partition without a valid offset is an error, not a reset. */
  get defaultResetIsNone(): boolean {
    return this.defaultReset === 'none';
  }

  /** Marks a partition for reset by the default policy (after OFFSET_OUT_OF_RANGE). */
  resetToDefault(state: PartitionState): void {
    this.seek(state, this.defaultReset);
  }

  /** Partitions whose position must be looked up. */
  needingReset(): PartitionState[] {
    return this.all.filter((s) => s.position === null);
  }
}
