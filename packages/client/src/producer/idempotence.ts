/**
 * The idempotent producer's identity and sequence numbers (KIP-98). InitProducerId gives a
 * producer id and epoch; every batch carries the partition's next sequence, assigned once when
 * the batch is first sent and kept on every retry, so the broker can drop a retried batch it
 * already has (answering with the original offsets) and refuse a gap.
 *
 * Sequences are only safe while each partition has one batch in flight (see sender.ts): a batch
 * that fails for good leaves a gap, so the identity is reset and the next batch starts a new
 * producer id at sequence 0 (Kafka bumps the epoch instead; the effect for ordering is the same).
 */
import { ApiKey, ErrorCode, isRetriable } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { KafkaError } from '../errors.js';
import { backoffMs, sleep } from '../util/async.js';

const INT32_MAX = 0x7fff_ffff;

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export class IdempotenceState {
  private identity: ProducerIdentity | null = null;
  private readonly sequences = new Map<string, number>();
  private initializing: Promise<ProducerIdentity> | null = null;

  constructor(private readonly cluster: Cluster) {}

  /** The current identity, or null until InitProducerId has answered. */
  get current(): ProducerIdentity | null {
    return this.identity;
  }

  /** Obtains a producer id (once; concurrent callers share the request), retrying retriable errors. */
  ensure(): Promise<ProducerIdentity> {
    if (this.identity) return Promise.resolve(this.identity);
    this.initializing ??= this.init().finally(() => {
      this.initializing = null;
    });
    return this.initializing;
  }

  private async init(): Promise<ProducerIdentity> {
    const { retryBackoffMs, retryBackoffMaxMs, requestTimeoutMs } = this.cluster.options;
    const deadline = Date.now() + requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const conn = await this.cluster.anyConnection();
        const res = await conn.send(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60_000 });
        if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, 'InitProducerId');
        this.identity = { producerId: Number(res.producerId), producerEpoch: res.producerEpoch };
        this.sequences.clear();
        return this.identity;
      } catch (e) {
        const retriable = e instanceof KafkaError ? isRetriable(e.code) : false;
        if (!retriable || Date.now() >= deadline) throw e;
        await sleep(backoffMs(attempt, retryBackoffMs, retryBackoffMaxMs));
      }
    }
  }

  /** Takes `count` sequence numbers for a partition's next batch and returns the first. */
  nextSequence(topic: string, partition: number, count: number): number {
    const key = `${topic}\u0000${partition}`;
    const base = this.sequences.get(key) ?? 0;
    const next = base + count;
    this.sequences.set(key, next > INT32_MAX ? next - INT32_MAX - 1 : next);
    return base;
  }

  /** Forgets the identity: the next batch waits for a new producer id and starts at sequence 0. */
  reset(): void {
    this.identity = null;
    this.sequences.clear();
  }
}
