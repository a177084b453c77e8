/**
 * The producer. `send` resolves when the record is acknowledged; `enqueue` resolves as soon as
 * the record is buffered (waiting while `bufferMemory` is full) and hands back the delivery.
 * Records of one producer to one partition are written in the order of the calls.
 *
 * ```ts
 * const producer = new Producer({ brokers: ['localhost:9092'] });
 * const { partition, offset } = await producer.send({ topic: 'orders', key: 'o-1', value: 'hello' });
 * await producer.close();
 * ```
 */
import { CompressionType, type RecordHeader, type RecordInput } from '@gregor/protocol';
import { Cluster } from '../cluster/cluster.js';
import { resolveClientOptions, type ClientOptions } from '../cluster/options.js';
import { ClientErrorCode, KafkaClientError, KafkaError } from '../errors.js';
import { RecordAccumulator } from './accumulator.js';
import { BufferPool } from './buffer-pool.js';
import { IdempotenceState } from './idempotence.js';
import { keyedPartition, StickyPartitionCache, type Partitioner } from './partitioners.js';
import { estimateRecordSize, BATCH_OVERHEAD } from './producer-batch.js';
import { Sender } from './sender.js';
import type { Acks, CompressionName, ProducerRecord, RecordMetadata } from './types.js';
import { ErrorCode } from '@gregor/protocol';

export interface ProducerOptions extends ClientOptions {
  /** 0 (none), 1 (leader) or -1 (all in-sync replicas). Default -1. */
  acks?: Acks;
  /** Default true; needs acks=-1 (Kafka's `enable.idempotence`). With acks 0 or 1 it defaults to false. */
  idempotent?: boolean;
  compression?: CompressionName;
  /** Bytes per partition batch before it is sent (`batch.size`). Default 16 384. */
  batchSize?: number;
  /** How long a batch waits for more records (`linger.ms`). Default 5. */
  lingerMs?: number;
  /** Bytes of records buffered or in flight before `send` waits (`buffer.memory`). Default 32 MiB. */
  bufferMemory?: number;
  /** How long `send` waits for buffer space or metadata (`max.block.ms`). Default 60 000. */
  maxBlockMs?: number;
  /** Largest Produce request, and so the largest record (`max.request.size`). Default 1 MiB. */
  maxRequestSize?: number;
  /** Upper bound on the time from `send` to success or failure (`delivery.timeout.ms`). Default 120 000. */
  deliveryTimeoutMs?: number;
  /** Retries of a retriable failure (`retries`). Default unlimited (bounded by deliveryTimeoutMs). */
  retries?: number;
  /** Chooses partitions for records without one; undefined falls back to the default. */
  partitioner?: Partitioner;
  /** Ask the broker to create unknown topics (`allow.auto.create.topics`). Default true. */
  allowAutoTopicCreation?: boolean;
}

const COMPRESSION: Record<CompressionName, CompressionType> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

export class Producer {
  readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly pool: BufferPool;
  private readonly sender: Sender;
  private readonly sticky = new StickyPartitionCache();
  private readonly batchSize: number;
  private readonly maxRequestSize: number;
  private readonly partitioner: Partitioner | undefined;
  /** Sends waiting for metadata or memory, chained so records keep their call order. */
  private queueTail: Promise<unknown> = Promise.resolve();
  private waitingSends = 0;
  private closed = false;

  constructor(options: ProducerOptions) {
    const client = resolveClientOptions(options);
    const acks = options.acks ?? -1;
    if (options.idempotent && acks !== -1)
      throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'an idempotent producer needs acks=-1 (all)');
    const idempotent = options.idempotent ?? acks === -1;
    this.batchSize = options.batchSize ?? 16_384;
    this.maxRequestSize = options.maxRequestSize ?? 1_048_576;
    this.partitioner = options.partitioner;
    this.cluster = new Cluster(client, { allowAutoTopicCreation: options.allowAutoTopicCreation ?? true });
    this.accumulator = new RecordAccumulator(this.batchSize);
    this.pool = new BufferPool(options.bufferMemory ?? 32 * 1024 * 1024, options.maxBlockMs ?? 60_000);
    this.sender = new Sender(
      this.cluster,
      this.accumulator,
      this.pool,
      idempotent ? new IdempotenceState(this.cluster) : null,
      {
        acks,
        compression: COMPRESSION[options.compression ?? 'none'],
        lingerMs: options.lingerMs ?? 5,
        maxRequestSize: this.maxRequestSize,
        requestTimeoutMs: client.requestTimeoutMs,
        deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
        retries: options.retries ?? Number.MAX_SAFE_INTEGER,
        retryBackoffMs: client.retryBackoffMs,
        retryBackoffMaxMs: client.retryBackoffMaxMs,
      },
    );
  }

  /** Fetches metadata once, proving a broker is reachable (optional: `send` connects on first use). */
  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  /** Sends one record; resolves with where it was written once acknowledged. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    return (await this.enqueue(record)).delivery;
  }

  /** Sends many records (in order per partition); resolves once all are acknowledged. */
  async sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const deliveries: Promise<RecordMetadata>[] = [];
    for (const r of records) deliveries.push((await this.enqueue(r)).delivery);
    return Promise.all(deliveries);
  }

  /**
   * Buffers a record, waiting only while `bufferMemory` is full (backpressure) or the topic's
   * metadata is unknown; the returned `delivery` settles on acknowledgement. A delivery nobody
   * awaits does not raise an unhandled rejection; `flush()` waits for all of them.
   */
  async enqueue(record: ProducerRecord): Promise<{ delivery: Promise<RecordMetadata> }> {
    if (this.closed) throw new KafkaClientError(ClientErrorCode.Closed, 'the producer is closed');
    const input = toRecordInput(record);
    const size = estimateRecordSize(input);
    if (size + BATCH_OVERHEAD > this.maxRequestSize || size > this.pool.limit)
      throw new KafkaClientError(
        ClientErrorCode.RecordTooLarge,
        `a record of about ${size} bytes exceeds maxRequestSize (${this.maxRequestSize}) or bufferMemory (${this.pool.limit})`,
      );
    // Fast path: nothing queued ahead, metadata known, memory free: append without waiting.
    if (this.waitingSends === 0) {
      const partition = this.partitionNow(record, input, size);
      if (partition !== undefined && this.pool.tryReserve(size))
        return this.append(record.topic, partition, input, size);
    }
    this.waitingSends++;
    const ahead = this.queueTail;
    const mine = (async () => {
      await ahead.catch(() => undefined);
      try {
        await this.cluster.topic(record.topic);
        if (this.closed) throw new KafkaClientError(ClientErrorCode.Closed, 'the producer is closed');
        const partition = this.partitionNow(record, input, size);
        if (partition === undefined)
          throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic: record.topic });
        await this.pool.reserve(size);
        return this.append(record.topic, partition, input, size);
      } finally {
        this.waitingSends--;
      }
    })();
    this.queueTail = mine;
    return mine;
  }

  private append(
    topic: string,
    partition: number,
    input: RecordInput,
    size: number,
  ): { delivery: Promise<RecordMetadata> } {
    const delivery = this.accumulator.append(topic, partition, input, size, Date.now());
    delivery.catch(() => undefined);
    this.sender.wakeup();
    return { delivery };
  }

  /** The partition for a record, or undefined when the topic's metadata is not known yet. */
  private partitionNow(record: ProducerRecord, input: RecordInput, size: number): number | undefined {
    const info = this.cluster.metadata.topics.get(record.topic);
    if (!info || info.partitions.length === 0) return undefined;
    const count = info.partitions.length;
    const check = (p: number, who: string): number => {
      if (!Number.isInteger(p) || p < 0 || p >= count)
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${who} chose partition ${p} of ${count}`, {
          topic: record.topic,
        });
      return p;
    };
    if (record.partition !== undefined) return check(record.partition, 'the record');
    const available = info.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
    const key = input.key ?? null;
    if (this.partitioner) {
      const p = this.partitioner({
        topic: record.topic,
        key,
        value: input.value ?? null,
        partitionCount: count,
        availablePartitions: available,
      });
      if (p !== undefined) return check(p, 'the partitioner');
    }
    if (key !== null) return keyedPartition(key, count);
    let p = this.sticky.partition(record.topic, available, count);
    if (this.accumulator.wouldStartNewBatch(record.topic, p, size))
      p = this.sticky.next(record.topic, available, count, p);
    return p;
  }

  /** Sends everything buffered now, without lingering, and waits until all of it is settled. */
  async flush(): Promise<void> {
    await this.queueTail.catch(() => undefined);
    const pending = this.accumulator.pendingBatches().flatMap((b) => b.deliveries.map((d) => d.promise));
    if (pending.length === 0) return;
    this.sender.flushing++;
    this.sender.wakeup();
    try {
      await Promise.allSettled(pending);
    } finally {
      this.sender.flushing--;
    }
  }

  /** Flushes, then closes every connection. Sends after close fail with ERR_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sender.closing = true;
    await this.flush();
    this.pool.failWaiting(new KafkaClientError(ClientErrorCode.Closed, 'the producer is closed'));
    this.sender.stop();
    this.cluster.close();
  }
}

const toBuffer = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v;

function toRecordInput(r: ProducerRecord): RecordInput {
  let headers: RecordHeader[] = [];
  if (Array.isArray(r.headers)) headers = r.headers.map((h) => ({ key: h.key, value: toBuffer(h.value) }));
  else if (r.headers)
    headers = Object.entries(r.headers as Record<string, Buffer | string>).map(([key, value]) => ({
      key,
      value: toBuffer(value),
    }));
  return { key: toBuffer(r.key), value: toBuffer(r.value), headers, timestamp: r.timestamp ?? Date.now() };
}
