/**
 * The embedded "consumer" protocol of classic groups: what a member puts in JoinGroup's protocol
 * metadata (ConsumerProtocolSubscription) and what the leader hands out through SyncGroup
 * (ConsumerProtocolAssignment). Both are an int16 version followed by the versioned struct;
 * newer versions only append fields, so a reader takes an unknown newer version as its newest.
 * kafkajs, librdkafka and the Java client all use this encoding.
 */
import {
  Reader,
  Writer,
  readConsumerProtocolAssignment,
  readConsumerProtocolSubscription,
  writeConsumerProtocolAssignment,
  writeConsumerProtocolSubscription,
} from '@gregor/protocol';
import type { TopicPartition } from '../types.js';

const SUBSCRIPTION_VERSION = 3;
const ASSIGNMENT_VERSION = 3;

export interface EncodedSubscription {
  topics: readonly string[];
  ownedPartitions: readonly TopicPartition[];
  generation: number;
  userData: Buffer | null;
  rackId: string | null;
}

/** Groups partitions by topic, topics and partitions sorted (Kafka's wire form). */
export function byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = map.get(topic);
    if (!list) map.set(topic, (list = []));
    list.push(partition);
  }
  return [...map.keys()].sort().map((topic) => ({ topic, partitions: map.get(topic)!.sort((a, b) => a - b) }));
}

const flatten = (list: readonly { topic: string; partitions: number[] }[]): TopicPartition[] =>
  list.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));

export function encodeSubscription(s: EncodedSubscription): Buffer {
  const w = new Writer();
  w.writeInt16(SUBSCRIPTION_VERSION);
  writeConsumerProtocolSubscription(w, SUBSCRIPTION_VERSION, {
    topics: [...s.topics],
    userData: s.userData,
    ownedPartitions: byTopic(s.ownedPartitions),
    generationId: s.generation,
    rackId: s.rackId,
  });
  return w.toBuffer();
}

export function decodeSubscription(buf: Buffer): EncodedSubscription {
  const r = new Reader(buf);
  const version = Math.min(r.readInt16(), SUBSCRIPTION_VERSION);
  const s = readConsumerProtocolSubscription(r, version);
  return {
    topics: s.topics,
    ownedPartitions: flatten(s.ownedPartitions),
    generation: s.generationId,
    userData: s.userData,
    rackId: s.rackId,
  };
}

export function encodeAssignment(partitions: readonly TopicPartition[]): Buffer {
  const w = new Writer();
  w.writeInt16(ASSIGNMENT_VERSION);
  writeConsumerProtocolAssignment(w, ASSIGNMENT_VERSION, { assignedPartitions: byTopic(partitions), userData: null });
  return w.toBuffer();
}

/** An empty buffer is an empty assignment (the coordinator's answer to a member the leader left out). */
export function decodeAssignment(buf: Buffer): TopicPartition[] {
  if (buf.length === 0) return [];
  const r = new Reader(buf);
  const version = Math.min(r.readInt16(), ASSIGNMENT_VERSION);
  return flatten(readConsumerProtocolAssignment(r, version).assignedPartitions);
}
