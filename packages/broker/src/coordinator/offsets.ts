/**
 * Committed offsets: per group, per topic-partition, the offset, leader epoch, metadata and
 * commit time. Changed only by `replay` of OffsetCommit records (a null value deletes), so what
 * is in memory is exactly what the log says.
 */
import type { OffsetCommitValue } from '@gregor/protocol';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, { topic: string; partition: number; c: CommittedOffset }>>();

  replay(group: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    let offsets = this.groups.get(group);
    if (value === null) {
      offsets?.delete(tpKey(topic, partition));
      if (offsets?.size === 0) this.groups.delete(group);
      return;
    }
    if (!offsets) this.groups.set(group, (offsets = new Map()));
    offsets.set(tpKey(topic, partition), {
      topic,
      partition,
      c: {
        offset: Number(value.offset),
        leaderEpoch: value.leaderEpoch,
        metadata: value.metadata,
        commitTimestamp: Number(value.commitTimestamp),
      },
    });
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(tpKey(topic, partition))?.c;
  }

  hasOffsets(group: string): boolean {
    return (this.groups.get(group)?.size ?? 0) > 0;
  }

  /** Forgets a group's offsets (its coordinator partition moved to another broker). */
  removeGroup(group: string): void {
    this.groups.delete(group);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  /** Every committed offset of a group, by topic then partition. */
  all(group: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    return [...(this.groups.get(group)?.values() ?? [])]
      .map((e) => ({ topic: e.topic, partition: e.partition, committed: e.c }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }
}
