/**
 * ListOffsets against partition leaders, for the consumer's offset reset and the admin's
 * `listOffsets`: requests grouped per leader, leader errors retried after a metadata refresh.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { KafkaError } from '../errors.js';
import { tpKey, type TopicPartition } from '../types.js';
import { backoffMs, sleep } from '../util/async.js';
import type { Cluster } from './cluster.js';

/** Kafka's special timestamps: the log start, the end (high watermark or LSO), the max timestamp. */
export const OffsetTimestamp = { Earliest: -2, Latest: -1, MaxTimestamp: -3 } as const;

export interface OffsetQuery extends TopicPartition {
  /** A timestamp in ms, or one of OffsetTimestamp. */
  timestamp: number;
}

export interface OffsetAnswer extends TopicPartition {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

const RETRY_AFTER_METADATA = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
]);

export async function listOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
  isolationLevel = 0,
): Promise<Map<string, OffsetAnswer>> {
  const answers = new Map<string, OffsetAnswer>();
  let pending = [...queries];
  const deadline = Date.now() + cluster.options.requestTimeoutMs;
  for (let attempt = 0; pending.length > 0; attempt++) {
    for (const topic of new Set(pending.map((q) => q.topic))) await cluster.topic(topic);
    const byLeader = new Map<number, OffsetQuery[]>();
    const retry: OffsetQuery[] = [];
    let lastError: KafkaError | null = null;
    for (const q of pending) {
      const leader = cluster.leaderOf(q.topic, q.partition);
      if (leader === undefined) {
        if (!cluster.metadata.topics.get(q.topic)?.partitions[q.partition])
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, q);
        retry.push(q);
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(q);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, qs]) => {
        try {
          const conn = await cluster.connectionTo(leader);
          const res = await conn.send(ApiKey.ListOffsets, {
            replicaId: -1,
            isolationLevel,
            topics: [...new Set(qs.map((q) => q.topic))].map((name) => ({
              name,
              partitions: qs
                .filter((q) => q.topic === name)
                .map((q) => ({ partitionIndex: q.partition, timestamp: BigInt(q.timestamp) })),
            })),
          });
          for (const t of res.topics)
            for (const p of t.partitions) {
              const q = { topic: t.name, partition: p.partitionIndex };
              if (p.errorCode === ErrorCode.NONE) {
                answers.set(tpKey(t.name, p.partitionIndex), {
                  ...q,
                  offset: Number(p.offset),
                  timestamp: Number(p.timestamp),
                  leaderEpoch: p.leaderEpoch,
                });
              } else if (RETRY_AFTER_METADATA.has(p.errorCode)) {
                lastError = new KafkaError(p.errorCode, null, q);
                retry.push(qs.find((x) => x.topic === t.name && x.partition === p.partitionIndex)!);
              } else throw new KafkaError(p.errorCode, 'ListOffsets', q);
            }
        } catch (e) {
          if (!(e instanceof KafkaError) || !e.retriable) throw e;
          lastError = e;
          retry.push(...qs.filter((q) => !answers.has(tpKey(q.topic, q.partition))));
        }
      }),
    );
    pending = retry;
    if (pending.length === 0) break;
    if (Date.now() >= deadline) throw lastError ?? new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, 'ListOffsets');
    await cluster.refreshMetadata();
    await sleep(backoffMs(attempt, cluster.options.retryBackoffMs, cluster.options.retryBackoffMaxMs));
  }
  return answers;
}
