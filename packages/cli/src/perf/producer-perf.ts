/**
 * The producer performance test (kafka-producer-perf-test): `numRecords` records of `recordSize`
 * random bytes, optionally throttled to `throughput` records/s, each timed from the call that
 * hands it to the producer to its acknowledgement.
 */
import { Producer } from '@gregor/client';
import type { Compression } from '../args.js';
import { LatencyRecorder, nowMs, sleep, type LatencySummary } from './stats.js';

export interface ProducerPerfOptions {
  brokers: readonly string[];
  topic: string;
  numRecords: number;
  recordSize: number;
  /** Records per second; 0 or less for no limit. */
  throughput?: number;
  acks?: -1 | 0 | 1;
  compression?: Compression;
  batchSize?: number;
  lingerMs?: number;
  /** Called about every 100 ms while running, and once at the end. */
  onProgress?: (sent: number, acked: number) => void;
}

export interface ThroughputResult {
  records: number;
  /** Payload bytes (record values). */
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  /** 10^6 bytes per second. */
  mbPerSec: number;
  latency: LatencySummary;
}

export function throughputResult(
  records: number,
  bytes: number,
  seconds: number,
  latency: LatencySummary,
): ThroughputResult {
  return {
    records,
    bytes,
    seconds,
    recordsPerSec: seconds > 0 ? records / seconds : 0,
    mbPerSec: seconds > 0 ? bytes / seconds / 1e6 : 0,
    latency,
  };
}

/** Random upper-case letters, as Kafka's tool fills its payload. */
export function payload(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = 65 + Math.floor(Math.random() * 26);
  return b;
}

export async function producerPerf(o: ProducerPerfOptions): Promise<ThroughputResult> {
  const acks = o.acks ?? -1;
  const producer = new Producer({
    brokers: o.brokers,
    clientId: 'gregor-perf-producer',
    acks,
    compression: o.compression ?? 'none',
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.lingerMs !== undefined ? { lingerMs: o.lingerMs } : {}),
    maxRequestSize: Math.max(1_048_576, (o.batchSize ?? 0) + 1024),
  });
  const latencies = new LatencyRecorder(Math.min(o.numRecords, 2_000_000));
  const value = payload(o.recordSize);
  let acked = 0;
  let failure: unknown;
  const progress = o.onProgress && setInterval(() => o.onProgress!(sent, acked), 100);
  let sent = 0;
  try {
    await producer.connect();
    const throughput = o.throughput ?? 0;
    const start = nowMs();
    for (; sent < o.numRecords && failure === undefined;) {
      if (throughput > 0) {
        const due = start + (sent / throughput) * 1000;
        const ahead = due - nowMs();
        if (ahead >= 1) await sleep(ahead);
      }
      const t0 = nowMs();
      const { delivery } = await producer.enqueue({ topic: o.topic, value });
      sent++;
      delivery.then(
        () => {
          latencies.record(nowMs() - t0);
          acked++;
        },
        (e: unknown) => (failure ??= e),
      );
    }
    await producer.flush();
    const seconds = (nowMs() - start) / 1000;
    if (failure !== undefined) throw failure;
    o.onProgress?.(sent, acked);
    return throughputResult(sent, sent * o.recordSize, seconds, latencies.summary());
  } finally {
    if (progress) clearInterval(progress);
    await producer.close().catch(() => undefined);
  }
}
