/**
 * kafkajs helpers for the broker tests: a client, and a reader that fetches through kafkajs's own
 * broker connection and Fetch decoder (kafkajs's consumer needs consumer groups, which arrive
 * with the group coordinator; this path exercises the same fetch and record decoding).
 */
import { Kafka, logLevel } from 'kafkajs';

export const kafkaClient = (bootstrap: string, clientId = 'gregor-test'): Kafka =>
  new Kafka({ brokers: [bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 3 } });

export interface FetchedMessage {
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[] | undefined>;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findBroker(opts: { nodeId: string }): Promise<{
    fetch(req: unknown): Promise<{
      responses: {
        topicName: string;
        partitions: { partition: number; errorCode: number; messages: FetchedMessage[] }[];
      }[];
    }>;
  }>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
}

/** kafkajs's internal cluster, created the way its admin and consumer create theirs. */
function clusterOf(kafka: Kafka): KafkajsCluster {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!create) throw new Error('kafkajs internals changed: no createCluster');
  const factory = (kafka as unknown as Record<symbol, (opts: object) => KafkajsCluster>)[create]!;
  return factory({ allowAutoTopicCreation: false });
}

/** Reads the records of `topic`'s partitions from `from` (default offset 0) until `untilCount` records. */
export async function readAll(
  kafka: Kafka,
  topic: string,
  partitions: number[],
  untilCount: number,
  from: ReadonlyMap<number, bigint> = new Map(),
): Promise<FetchedMessage[]> {
  const cluster = clusterOf(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const leaders = cluster.findLeaderForPartitions(topic, partitions);
    const out: FetchedMessage[] = [];
    const next = new Map(partitions.map((p) => [p, from.get(p) ?? 0n]));
    for (let round = 0; out.length < untilCount && round < 1000; round++) {
      let progressed = false;
      for (const [nodeId, parts] of Object.entries(leaders)) {
        const broker = await cluster.findBroker({ nodeId });
        const res = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 4 * 1024 * 1024,
          topics: [
            {
              topic,
              partitions: parts.map((p) => ({ partition: p, fetchOffset: String(next.get(p)), maxBytes: 1024 * 1024 })),
            },
          ],
        });
        for (const t of res.responses)
          for (const p of t.partitions) {
            if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode} on ${t.topicName}-${p.partition}`);
            for (const m of p.messages) {
              if (BigInt(m.offset) < next.get(p.partition)!) continue;
              out.push({ ...m, partition: p.partition });
              next.set(p.partition, BigInt(m.offset) + 1n);
              progressed = true;
            }
          }
      }
      if (!progressed && round > 50) break;
    }
    return out;
  } finally {
    await cluster.disconnect();
  }
}
