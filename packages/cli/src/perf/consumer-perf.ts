/**
 * The consumer performance test (kafka-consumer-perf-test): reads `messages` records from the
 * start of every partition of a topic (manual assignment) as fast as it can. Latency here is the
 * time each poll() waited for records: what the application saw of fetch round trips.
 */
import { Consumer } from '@gregor/client';
import type { ThroughputResult } from './producer-perf.js';
import { throughputResult } from './producer-perf.js';
import { LatencyRecorder, nowMs } from './stats.js';

export interface ConsumerPerfOptions {
  brokers: readonly string[];
  topic: string;
  messages: number;
  /** Give up after this long without a record. Default 10 000. */
  timeoutMs?: number;
  fromLatest?: boolean;
  onProgress?: (consumed: number) => void;
}

export interface ConsumerPerfResult extends ThroughputResult {
  /** False when the timeout ended the run before `messages` records arrived. */
  complete: boolean;
  firstRecordMs: number;
}

export async function consumerPerf(o: ConsumerPerfOptions): Promise<ConsumerPerfResult> {
  const consumer = new Consumer({
    brokers: o.brokers,
    clientId: 'gregor-perf-consumer',
    autoOffsetReset: o.fromLatest ? 'latest' : 'earliest',
    maxPollRecords: 10_000,
    maxPartitionBytes: 8 * 1_048_576,
    maxWaitMs: 100,
  });
  const latencies = new LatencyRecorder(100_000);
  const timeoutMs = o.timeoutMs ?? 10_000;
  let records = 0;
  let bytes = 0;
  const progress = o.onProgress && setInterval(() => o.onProgress!(records), 100);
  try {
    const start = nowMs();
    await consumer.connect();
    const info = await consumer.cluster.topic(o.topic);
    consumer.assign(info.partitions.map((p) => ({ topic: o.topic, partition: p.partition })));
    let last = nowMs();
    let first = -1;
    while (records < o.messages && nowMs() - last < timeoutMs) {
      const t0 = nowMs();
      const batch = await consumer.poll(Math.max(1, Math.min(1000, timeoutMs - (t0 - last))));
      if (batch.length === 0) continue;
      const t1 = nowMs();
      latencies.record(t1 - t0);
      last = t1;
      if (first < 0) first = t1 - start;
      for (const r of batch) {
        if (records >= o.messages) break;
        records++;
        bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      }
    }
    const seconds = (last - start) / 1000;
    o.onProgress?.(records);
    return {
      ...throughputResult(records, bytes, seconds, latencies.summary()),
      complete: records >= o.messages,
      firstRecordMs: first,
    };
  } finally {
    if (progress) clearInterval(progress);
    await consumer.close();
  }
}
