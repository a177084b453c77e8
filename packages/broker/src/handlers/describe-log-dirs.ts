/**
 * DescribeLogDirs (35), v0-4: the broker's one log directory (absolute path) with the size of
 * each partition it holds, for the topics and partitions asked for (null: all); requested
 * partitions not held here are left out, as Kafka does. offsetLag is 0 and isFutureKey false
 * (no replica moves between directories). v3 adds a top-level error code, v4 the volume's total
 * and usable bytes. A directory that cannot be read is reported with KAFKA_STORAGE_ERROR.
 */
import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiKey, ErrorCode, type DescribeLogDirsResponseDescribeLogDirsTopicInput } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import type { Partition } from '../partition/partition.js';
import { defineHandler } from './handler.js';

function wantedPartitions(broker: Broker, topics: { topic: string; partitions: number[] }[] | null): Partition[] {
  if (topics === null) return broker.replicas.allPartitions();
  const out: Partition[] = [];
  for (const t of topics)
    for (const index of new Set(t.partitions)) {
      const p = broker.replicas.partition(t.topic, index);
      if (p) out.push(p);
    }
  return out;
}

export default defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const { broker } = ctx;
    const logDir = resolve(broker.config.logDir);
    let errorCode: number = ErrorCode.NONE;
    let totalBytes = -1n;
    let usableBytes = -1n;
    const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopicInput>();
    try {
      const fs = statfsSync(logDir, { bigint: true });
      totalBytes = fs.blocks * fs.bsize;
      usableBytes = fs.bavail * fs.bsize;
      const partitions = wantedPartitions(broker, req.topics).sort(
        (a, b) => a.topic.localeCompare(b.topic) || a.index - b.index,
      );
      for (const p of partitions) {
        let topic = byTopic.get(p.topic);
        if (!topic) byTopic.set(p.topic, (topic = { name: p.topic, partitions: [] }));
        topic.partitions.push({
          partitionIndex: p.index,
          partitionSize: BigInt(p.log.size),
          offsetLag: 0n,
          isFutureKey: false,
        });
      }
    } catch (err) {
      broker.logger.error({ err, logDir }, 'describing the log directory failed');
      errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
      byTopic.clear();
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode, logDir, topics: [...byTopic.values()], totalBytes, usableBytes }],
    };
  },
});
