/**
 * What `npm run bench:cluster` measures with: a broker-bound produce load (pre-encoded batches
 * replayed to each partition's leader over raw connections, timing every request), a Metadata
 * lookup against one broker, and a sampler of the followers' lag from the leaders' /metrics.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BrokerConnection } from '@gregor/client';
import { ApiKey, decodeResponse, encodeRecordBatch, encodeRequest, ErrorCode, FrameDecoder } from '@gregor/protocol';

export interface PartitionState {
  partition: number;
  leader: number;
  isr: number[];
}

/** A topic's partitions as broker `port` knows them, with the controller it names. */
export async function metadataOf(
  port: number,
  topic: string,
): Promise<{ controllerId: number; partitions: PartitionState[] }> {
  const conn = new BrokerConnection({
    host: '127.0.0.1',
    port,
    clientId: 'bench-cluster-metadata',
    connectTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    maxInFlightRequests: 1,
  });
  try {
    const res = await conn.send(ApiKey.Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    const t = res.topics.find((x) => x.name === topic);
    if (!t || t.errorCode !== ErrorCode.NONE) throw new Error(`${topic}: metadata error ${t?.errorCode ?? 'missing'}`);
    const partitions = t.partitions
      .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, isr: [...p.isrNodes] }))
      .sort((a, b) => a.partition - b.partition);
    return { controllerId: res.controllerId, partitions };
  } finally {
    conn.close();
  }
}

export interface ProduceResult {
  records: number;
  seconds: number;
  /** Send → response of every Produce request, in ms, sorted. */
  latenciesMs: number[];
  /** The load generator's CPU seconds (this process). */
  cpu: number;
}

/**
 * Produces `count` records of `size` bytes spread evenly over the partitions: one connection per
 * partition to its leader (`leaderPorts[partition]`), each replaying one ready Produce v9 request
 * (a single batch of `perRequest` records, not idempotent) with `inFlight` requests outstanding,
 * as Kafka's producer does with max.in.flight.requests.per.connection=5. Any error code fails the
 * run: a figure for writes that were refused would be meaningless.
 */
export async function rawProduce(options: {
  topic: string;
  leaderPorts: number[];
  size: number;
  count: number;
  acks: number;
  perRequest: number;
  inFlight: number;
}): Promise<ProduceResult> {
  const { topic, leaderPorts, size, perRequest, inFlight, acks } = options;
  const batch = encodeRecordBatch({
    records: Array.from({ length: perRequest }, () => ({ key: null, value: Buffer.alloc(size, 120) })),
  });
  const requestsPerPartition = Math.ceil(options.count / leaderPorts.length / perRequest);
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    leaderPorts.map(async (port, partition) => {
      const request = Buffer.concat(
        encodeRequest(
          { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: partition, clientId: 'bench-cluster-raw' },
          {
            transactionalId: null,
            acks,
            timeoutMs: 30_000,
            topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
          },
        ),
      );
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const frames = new FrameDecoder();
      // Responses come back in request order on one connection, so a FIFO of send times suffices.
      const sentAt: number[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          let sent = 0;
          let answered = 0;
          const pump = () => {
            while (sent < requestsPerPartition && sent - answered < inFlight) {
              sent++;
              sentAt.push(performance.now());
              socket.write(request);
            }
          };
          socket.on('data', (chunk: Buffer) => {
            for (const frame of frames.push(chunk)) {
              latencies.push(performance.now() - sentAt.shift()!);
              answered++;
              const { body } = decodeResponse(ApiKey.Produce, 9, frame);
              for (const t of body.responses)
                for (const p of t.partitionResponses)
                  if (p.errorCode !== ErrorCode.NONE)
                    return reject(new Error(`produce error ${p.errorCode} on ${topic}-${partition}`));
            }
            if (answered === requestsPerPartition) resolve();
            else pump();
          });
          socket.once('error', reject);
          socket.once('close', () => reject(new Error(`${topic}-${partition}: connection closed`)));
          pump();
        });
      } finally {
        socket.destroy();
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  return {
    records: requestsPerPartition * perRequest * leaderPorts.length,
    seconds,
    latenciesMs: latencies.sort((a, b) => a - b),
    cpu: (used.user + used.system) / 1e6,
  };
}

const LAG_LINE = /^gregor_replica_lag_records\{([^}]*)\} (\S+)$/gm;

/** Every follower's lag in records for `topic`, as the leaders' /metrics report it now. */
export async function followerLag(metricsPorts: number[], topic: string): Promise<number[]> {
  const lags: number[] = [];
  await Promise.all(
    metricsPorts.map(async (port) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const m of text.matchAll(LAG_LINE)) if (m[1]!.includes(`topic="${topic}"`)) lags.push(Number(m[2]));
    }),
  );
  return lags;
}

/**
 * Samples `followerLag` every `everyMs` until `stop()`, which resolves with all the samples
 * (one per follower and sample, sorted). A failed scrape is skipped: the broker may be busy.
 */
export function sampleLag(metricsPorts: number[], topic: string, everyMs: number): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push(...(await followerLag(metricsPorts, topic)));
      } catch {
        // skipped sample
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples.sort((a, b) => a - b);
    },
  };
}

/** The q-quantile of ascending `sorted` (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
