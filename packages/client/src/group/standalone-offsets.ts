/**
 * Committed offsets for a consumer with a `groupId` that assigns its partitions itself (Kafka's
 * "simple" consumer group use): commits go out as from outside the group (generation -1), which
 * the coordinator accepts while the group has no members, and assigned partitions start at the
 * group's committed offsets.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { OffsetAndMetadata } from '../consumer/group-membership.js';
import { tpKey, type TopicPartition } from '../types.js';
import { GroupCoordinator } from './coordinator.js';
import { commitOffsets, fetchCommitted, NO_MEMBER } from './offsets.js';

export class StandaloneOffsets {
  private readonly coordinator: GroupCoordinator;

  constructor(
    private readonly cluster: Cluster,
    groupId: string,
  ) {
    this.coordinator = new GroupCoordinator(cluster, groupId, false);
  }

  commit(offsets: readonly OffsetAndMetadata[]): Promise<void> {
    return commitOffsets(this.coordinator, offsets, NO_MEMBER, this.cluster.options.requestTimeoutMs);
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    const found = await fetchCommitted(this.coordinator, partitions, this.cluster.options.requestTimeoutMs);
    return new Map(
      partitions.map((p) => [tpKey(p.topic, p.partition), found.get(tpKey(p.topic, p.partition))?.offset ?? null]),
    );
  }
}
