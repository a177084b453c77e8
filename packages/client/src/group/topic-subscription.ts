/**
 * What a member subscribes to, resolved against metadata: a list of topic names (those that
 * exist), or a pattern over every non-internal topic. The resolution is kept with each topic's
 * partition count; a change (a topic created or deleted, partitions added) makes the member
 * rejoin so the group reassigns. Metadata is checked every `metadataMaxAgeMs`.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { SubscriptionSpec } from './types.js';

export class TopicSubscription {
  private resolved = new Map<string, number>();
  private nextCheck = 0;

  constructor(
    readonly spec: SubscriptionSpec,
    private readonly cluster: Cluster,
  ) {}

  /** The subscribed topics that exist, sorted. */
  get topics(): string[] {
    return [...this.resolved.keys()].sort();
  }

  /** Resolves the subscription now; true when topics or partition counts changed. */
  async refresh(): Promise<boolean> {
    this.nextCheck = Date.now() + this.cluster.options.metadataMaxAgeMs;
    let names: string[];
    if (this.spec instanceof RegExp) {
      const pattern = this.spec;
      const all = await this.cluster.fetchMetadata(null);
      names = all.topics.flatMap((t) => (t.name !== null && !t.isInternal && pattern.test(t.name) ? [t.name] : []));
    } else names = [...this.spec];
    await this.cluster.refreshMetadata(names);
    const next = new Map<string, number>();
    for (const name of names) {
      const info = this.cluster.metadata.topics.get(name);
      if (info && info.partitions.length > 0) next.set(name, info.partitions.length);
    }
    const changed = next.size !== this.resolved.size || [...next].some(([t, n]) => this.resolved.get(t) !== n);
    this.resolved = next;
    return changed;
  }

  /** `refresh` when `metadataMaxAgeMs` has passed since the last one; false otherwise. */
  refreshIfDue(): Promise<boolean> {
    return Date.now() >= this.nextCheck ? this.refresh() : Promise.resolve(false);
  }

  /** Partition counts of `topics` (other members' too, for the leader), fetching their metadata. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    await this.cluster.refreshMetadata(topics);
    const out = new Map<string, number>();
    for (const t of topics) {
      const n = this.cluster.metadata.topics.get(t)?.partitions.length ?? 0;
      if (n > 0) out.set(t, n);
    }
    return out;
  }
}
