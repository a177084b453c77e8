/**
 * The controller's view of the cluster, rebuilt from ZooKeeper when a broker becomes controller
 * (Kafka's `ControllerContext`): live brokers with their epochs, each topic's id and replica
 * assignment, and each partition's leader, leader epoch, ISR and znode version. Only the
 * controller's event loop touches it.
 */
import type { BrokerRegistration, LeaderIsr } from '../zk/zk-data.js';

export interface LiveBroker {
  registration: BrokerRegistration;
  /** The czxid of the broker's registration: a restarted broker has a new one. */
  epoch: bigint;
}

export interface ControllerTopic {
  name: string;
  topicId: string;
  /** Partition → replicas in preference order. */
  assignment: Map<number, number[]>;
  /** Version of /brokers/topics/<t>: partition additions are conditional on it. */
  zkVersion: number;
}

export interface ControllerPartition extends LeaderIsr {
  topic: string;
  partition: number;
  /** The state znode's version: the partition epoch. */
  zkVersion: number;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ControllerState {
  brokers = new Map<number, LiveBroker>();
  readonly topics = new Map<string, ControllerTopic>();
  readonly partitions = new Map<string, ControllerPartition>();
  /** Topics being deleted (kept out of elections). */
  readonly deleting = new Set<string>();
  /** Brokers in controlled shutdown: they are not elected. */
  readonly shuttingDown = new Set<number>();
  /** Ongoing reassignments (KIP-455) by partition key: the target and the replicas before it. */
  readonly reassignments = new Map<
    string,
    { topic: string; partition: number; target: number[]; original: number[] }
  >();

  live(): Set<number> {
    return new Set(this.brokers.keys());
  }

  partition(topic: string, partition: number): ControllerPartition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  replicas(topic: string, partition: number): number[] {
    return this.topics.get(topic)?.assignment.get(partition) ?? [];
  }

  setPartition(p: ControllerPartition): void {
    this.partitions.set(partitionKey(p.topic, p.partition), p);
  }

  /** Partitions of `topic`, in partition order. */
  partitionsOf(topic: string): ControllerPartition[] {
    const t = this.topics.get(topic);
    if (!t) return [];
    const out: ControllerPartition[] = [];
    for (const p of [...t.assignment.keys()].sort((a, b) => a - b)) {
      const state = this.partition(topic, p);
      if (state) out.push(state);
    }
    return out;
  }

  /** Every partition with a state, topic by topic. */
  allPartitions(): ControllerPartition[] {
    return [...this.topics.keys()].flatMap((t) => this.partitionsOf(t));
  }

  removeTopic(topic: string): void {
    const t = this.topics.get(topic);
    if (t) for (const p of t.assignment.keys()) this.partitions.delete(partitionKey(topic, p));
    this.topics.delete(topic);
    this.deleting.delete(topic);
  }
}
