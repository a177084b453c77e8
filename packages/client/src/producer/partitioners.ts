/**
 * Choosing a partition for a record without one. The default: keyed records by murmur2 of the
 * key over all partitions (Kafka's rule, so keys co-partition with every Java-compatible client);
 * unkeyed records stick to one partition until a batch for it is complete, then move to another
 * (KIP-480's sticky partitioner), which fills batches instead of spreading tiny ones.
 */
import { partitionForKey } from './murmur2.js';

export interface PartitionerArgs {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Number of partitions in the topic. */
  partitionCount: number;
  /** Partitions that currently have a leader (all of them when none has). */
  availablePartitions: readonly number[];
}

/**
 * A custom partitioner: returns a partition in [0, partitionCount), or undefined to fall back
 * to the default behaviour for this record.
 */
export type Partitioner = (args: PartitionerArgs) => number | undefined;

/** KIP-480: per topic, the partition unkeyed records currently go to. */
export class StickyPartitionCache {
  private readonly current = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  /** The sticky partition of a topic, choosing one at first use. */
  partition(topic: string, available: readonly number[], partitionCount: number): number {
    const p = this.current.get(topic);
    if (p !== undefined && p < partitionCount) return p;
    return this.next(topic, available, partitionCount, undefined);
  }

  /**
   * Called when the batch for `previous` is complete: picks another partition (at random among
   * those with a leader, never the same one twice in a row when there is a choice).
   */
  next(topic: string, available: readonly number[], partitionCount: number, previous: number | undefined): number {
    const candidates = available.length > 0 ? available : Array.from({ length: partitionCount }, (_, i) => i);
    let p = candidates[Math.floor(this.random() * candidates.length)]!;
    if (candidates.length > 1 && p === previous) {
      const i = candidates.indexOf(p);
      p = candidates[(i + 1 + Math.floor(this.random() * (candidates.length - 1))) % candidates.length]!;
    }
    this.current.set(topic, p);
    return p;
  }

  /** Whether `partition` is the topic's sticky partition now. */
  isSticky(topic: string, partition: number): boolean {
    return this.current.get(topic) === partition;
  }
}

/** The default choice for a keyed record. */
export const keyedPartition = (key: Buffer, partitionCount: number): number => partitionForKey(key, partitionCount);
