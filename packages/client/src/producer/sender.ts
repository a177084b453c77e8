/**
 * The sender: takes ready batches from the accumulator, groups them by partition leader and
 * sends one Produce request per leader (split at `maxRequestSize`), then settles each batch
 * from its partition's result.
 *
 * Ordering and idempotence: each partition has at most ONE batch in flight. A batch keeps its
 * bytes, producer id and sequence across retries, and the next batch of that partition is not
 * sent until the previous one is settled, so a retry can never overtake or be overtaken and the
 * broker's sequence check turns any resend of a written batch into its original offsets. (Kafka
 * allows up to five in flight per partition and re-sequences after failures; one in flight keeps
 * that machinery out at the cost of one round trip per batch per partition: many partitions and
 * many connections still pipeline.)
 */
import { ApiKey, ErrorCode, type CompressionType, type ProduceResponse } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { ClientErrorCode, KafkaClientError, KafkaError } from '../errors.js';
import { backoffMs } from '../util/async.js';
import type { RecordAccumulator, PartitionQueue } from './accumulator.js';
import type { BufferPool } from './buffer-pool.js';
import type { IdempotenceState } from './idempotence.js';
import type { ProducerBatch } from './producer-batch.js';
import type { Acks } from './types.js';

export interface SenderOptions {
  acks: Acks;
  compression: CompressionType;
  lingerMs: number;
  maxRequestSize: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/** Errors after which the partition's leader may have moved: refresh metadata before retrying. */
const METADATA_ERRORS = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

export class Sender {
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** Flush requests outstanding: batches are sent without lingering. */
  flushing = 0;
  closing = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator,
    private readonly pool: BufferPool,
    private readonly idempotence: IdempotenceState | null,
    private readonly options: SenderOptions,
  ) {}

  /** Runs a drain soon (coalesced). */
  wakeup(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private wakeAt(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Infinity;
        this.drain();
      },
      Math.max(0, at - Date.now()),
    );
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private drain(): void {
    const now = Date.now();
    const hurry = this.flushing > 0 || this.closing || this.pool.exhausted;
    const byLeader = new Map<number, ProducerBatch[]>();
    let missingLeader = false;
    for (const q of this.accumulator.queues.values()) {
      const batch = q.batches[0];
      if (q.inFlight || !batch) continue;
      if (now - batch.createdAt >= this.options.deliveryTimeoutMs) {
        this.fail(q, batch, this.deliveryTimeout(batch));
        this.wakeup();
        continue;
      }
      if (!this.accumulator.isReady(batch, q, now, this.options.lingerMs, hurry)) {
        this.wakeAt(batch.attempts > 0 ? batch.retryAt : batch.createdAt + this.options.lingerMs);
        continue;
      }
      const leader = this.cluster.leaderOf(q.topic, q.partition);
      if (leader === undefined) {
        missingLeader = true;
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(batch);
    }
    if (missingLeader) {
      this.cluster.refreshMetadata().then(
        () => this.wakeAt(Date.now() + this.options.retryBackoffMs),
        () => this.wakeAt(Date.now() + this.options.retryBackoffMs),
      );
    }
    if (byLeader.size === 0) return;
    if (this.idempotence && !this.idempotence.current) {
      this.idempotence.ensure().then(
        () => this.wakeup(),
        (e: unknown) => this.failAll(e),
      );
      return;
    }
    for (const [leader, batches] of byLeader) this.sendToLeader(leader, batches);
  }

  private sendToLeader(leader: number, batches: ProducerBatch[]): void {
    let request: ProducerBatch[] = [];
    let size = 0;
    for (const batch of batches) {
      const bytes = this.prepare(batch);
      if (request.length > 0 && size + bytes.length > this.options.maxRequestSize) {
        void this.sendRequest(leader, request);
        request = [];
        size = 0;
      }
      request.push(batch);
      size += bytes.length;
    }
    if (request.length > 0) void this.sendRequest(leader, request);
  }

  /** Closes the batch, and on its first send gives it a sequence and encodes it. */
  private prepare(batch: ProducerBatch): Buffer {
    batch.closed = true;
    this.queueOf(batch).inFlight = true;
    if (batch.encoded) return batch.encoded;
    const identity = this.idempotence?.current ?? null;
    const sequence = identity ? this.idempotence!.nextSequence(batch.topic, batch.partition, batch.recordCount) : -1;
    return batch.encode(this.options.compression, identity, sequence);
  }

  private async sendRequest(leader: number, batches: ProducerBatch[]): Promise<void> {
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      list.push({ index: b.partition, records: b.encoded! });
    }
    const body = {
      transactionalId: null,
      acks: this.options.acks,
      timeoutMs: this.options.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    try {
      const conn = await this.cluster.connectionTo(leader);
      if (this.options.acks === 0) {
        await conn.sendNoResponse(ApiKey.Produce, body);
        for (const b of batches) this.succeed(b, -1, -1);
      } else {
        const res = await conn.send(ApiKey.Produce, body);
        this.settle(batches, res);
      }
    } catch (e) {
      for (const b of batches) this.retryOrFail(b, e);
    } finally {
      for (const b of batches) this.queueOf(b).inFlight = false;
      this.wakeup();
    }
  }

  private settle(batches: ProducerBatch[], res: ProduceResponse): void {
    const results = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of res.responses) for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      if (!r) {
        this.retryOrFail(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'partition missing from the response'));
        continue;
      }
      const context = { topic: b.topic, partition: b.partition };
      switch (r.errorCode) {
        case ErrorCode.NONE:
          this.succeed(b, Number(r.baseOffset), Number(r.logAppendTimeMs));
          break;
        case ErrorCode.DUPLICATE_SEQUENCE_NUMBER:
          // An old broker saw this batch already but could not say where: written, offset unknown.
          this.succeed(b, -1, -1);
          break;
        case ErrorCode.UNKNOWN_PRODUCER_ID:
          // The broker has no state for us (expired with retention): it cannot hold this batch.
          // Start a new identity and resend this batch under it.
          this.idempotence?.reset();
          b.encoded = null;
          this.retryOrFail(b, new KafkaError(ErrorCode.UNKNOWN_PRODUCER_ID, r.errorMessage, context), true);
          break;
        default:
          this.retryOrFail(b, new KafkaError(r.errorCode, r.errorMessage, context));
      }
    }
  }

  private succeed(batch: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    this.accumulator.remove(batch);
    this.pool.release(batch.reservedBytes);
    batch.complete(baseOffset, logAppendTime);
  }

  private retryOrFail(batch: ProducerBatch, error: unknown, forceRetry = false): void {
    const now = Date.now();
    const retriable = forceRetry || (error instanceof KafkaError && error.retriable);
    if (retriable && batch.attempts < this.options.retries && now - batch.createdAt < this.options.deliveryTimeoutMs) {
      batch.attempts++;
      batch.retryAt = now + backoffMs(batch.attempts - 1, this.options.retryBackoffMs, this.options.retryBackoffMaxMs);
      if (error instanceof KafkaError && METADATA_ERRORS.has(error.code)) this.cluster.invalidate();
      this.wakeAt(batch.retryAt);
      return;
    }
    this.fail(this.queueOf(batch), batch, error);
  }

  private fail(_q: PartitionQueue, batch: ProducerBatch, error: unknown): void {
    // A sequence that was sent and then given up on leaves a gap the broker would refuse.
    if (batch.identity && this.idempotence?.current === batch.identity) this.idempotence.reset();
    this.accumulator.remove(batch);
    this.pool.release(batch.reservedBytes);
    batch.fail(error);
  }

  private failAll(error: unknown): void {
    for (const batch of this.accumulator.pendingBatches())
      if (!this.queueOf(batch).inFlight) this.fail(this.queueOf(batch), batch, error);
  }

  private deliveryTimeout(batch: ProducerBatch): KafkaClientError {
    return new KafkaClientError(
      ClientErrorCode.DeliveryTimeout,
      `${batch.recordCount} record(s) for ${batch.topic}-${batch.partition} not delivered within ${this.options.deliveryTimeoutMs} ms`,
    );
  }

  private queueOf(batch: ProducerBatch): PartitionQueue {
    return this.accumulator.queues.get(`${batch.topic}\u0000${batch.partition}`)!;
  }
}
