/**
 * A Produce with acks=all waiting until every ISR member has its batches (Kafka's
 * `DelayedProduce`). Each partition is decided once the leader's high watermark passes the
 * batch's last offset (then NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
 * min.insync.replicas meanwhile, else success), or when this broker stops leading it
 * (NOT_LEADER_OR_FOLLOWER); what is undecided when the request's timeout passes gets
 * REQUEST_TIMED_OUT. The batches stay in the log either way: the producer retries, and
 * idempotence turns the retry into a duplicate acknowledged with its first offset.
 */
import { ErrorCode } from '@gregor/protocol';
import { DelayedOperation } from '../purgatory/purgatory.js';
import type { Partition } from './partition.js';

export interface ProduceWait {
  partition: Partition;
  /** The leader epoch the batch was appended under. */
  leaderEpoch: number;
  /** The offset after the batch: the high watermark must reach it. */
  requiredOffset: number;
  /** Set once decided. */
  errorCode?: number;
  errorMessage?: string;
}

export class DelayedProduce extends DelayedOperation {
  constructor(
    timeoutMs: number,
    readonly waits: ProduceWait[],
    private readonly done: (waits: ProduceWait[]) => void,
  ) {
    super(timeoutMs);
  }

  tryComplete(): boolean {
    let undecided = 0;
    for (const w of this.waits) {
      if (w.errorCode !== undefined) continue;
      const p = w.partition;
      if (!p.isLeader || p.leaderEpoch !== w.leaderEpoch) {
        w.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        w.errorMessage = `leadership moved before the batch was replicated`;
      } else if (p.log.highWatermark >= w.requiredOffset) {
        if (p.state.isr.length < p.settings.minInsyncReplicas) {
          w.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
          w.errorMessage = `ISR has ${p.state.isr.length} of min.insync.replicas=${p.settings.minInsyncReplicas}`;
        } else w.errorCode = ErrorCode.NONE;
      } else undecided++;
    }
    return undecided === 0 ? this.forceComplete() : false;
  }

  protected onComplete(): void {
    for (const w of this.waits)
      if (w.errorCode === undefined) {
        w.errorCode = ErrorCode.REQUEST_TIMED_OUT;
        w.errorMessage = `the batch was not replicated to the ISR within the request timeout`;
      }
    this.done(this.waits);
  }
}
