/**
 * Produce (0), v0-11: appends each partition's record batch as the client encoded it (offsets
 * and leader epoch patched in place). acks=0 gets no response; acks=1 is answered once the batch
 * is in the leader's log; acks=all once every ISR member has it (a DelayedProduce in the replica
 * manager's purgatory, bounded by the request's timeout). v0-2 carry the old message formats
 * (magic 0/1), converted once into a record batch on append (partition/up-convert.ts);
 * advertising v0 also tells older librdkafka (Debian 12's 2.0) that it may compress. The topic's
 * configs apply on the way (partition/record-policy.ts): compression.type recompresses, timestamp
 * windows refuse records with INVALID_TIMESTAMP and per-record errors (v8+ record_errors).
 * An append that reaches flush.messages is answered once its fsync (off the event loop) is done.
 */
import {
  ApiKey,
  ErrorCode,
  type ProduceResponsePartitionProduceResponseInput,
  type ProduceResponseTopicProduceResponseInput,
} from '@gregor/protocol';
import { DelayedProduce, type ProduceWait } from '../partition/delayed-produce.js';
import type { Partition } from '../partition/partition.js';
import type { Purgatory } from '../purgatory/purgatory.js';
import { StorageError } from '@gregor/storage';
import type { RecordError } from '../partition/record-policy.js';
import { defineHandler } from './handler.js';

type PartitionResponse = ProduceResponsePartitionProduceResponseInput;

export default defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 11,
  async handle(ctx, req) {
    const { broker } = ctx;
    const validAcks = req.acks === 0 || req.acks === 1 || req.acks === -1;
    const waits: { response: PartitionResponse; wait: ProduceWait }[] = [];
    /** fsyncs the answer waits for (flush.messages reached): a failed one fails its partition. */
    const flushes: Promise<void>[] = [];
    const responses: ProduceResponseTopicProduceResponseInput[] = req.topicData.map((topic) => {
      return {
        name: topic.name,
        partitionResponses: topic.partitionData.map((p): PartitionResponse => {
          const failed = (errorCode: number, errorMessage: string | null = null, recordErrors: RecordError[] = []) => ({
            index: p.index,
            errorCode,
            baseOffset: -1n,
            logAppendTimeMs: -1n,
            logStartOffset: -1n,
            recordErrors,
            errorMessage,
          });
          if (!validAcks) return failed(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, not ${req.acks}`);
          const { partition, errorCode } = broker.replicas.servedPartition(topic.name, p.index);
          if (!partition) return failed(errorCode);
          if (p.records === null || p.records.length === 0)
            return failed(ErrorCode.CORRUPT_MESSAGE, 'the partition carries no records');
          const outcome = partition.appendAsLeader(p.records, req.acks);
          if (outcome.errorCode !== ErrorCode.NONE) {
            broker.logger.debug(
              { topic: topic.name, partition: p.index, error: outcome.errorMessage },
              'produce refused',
            );
            return failed(outcome.errorCode, outcome.errorMessage, outcome.recordErrors);
          }
          broker.metrics.messagesIn.inc({ topic: topic.name }, outcome.recordCount);
          const response: PartitionResponse = {
            index: p.index,
            errorCode: ErrorCode.NONE,
            baseOffset: BigInt(outcome.baseOffset),
            logAppendTimeMs: BigInt(outcome.logAppendTime),
            logStartOffset: BigInt(outcome.logStartOffset),
            recordErrors: [],
            errorMessage: null,
          };
          // A duplicate (recordCount 0) was replicated with its first copy, or is being.
          const requiredOffset = outcome.baseOffset + Math.max(outcome.recordCount, 1);
          if (req.acks === -1 && partition.log.highWatermark < requiredOffset)
            waits.push({ response, wait: { partition, leaderEpoch: partition.leaderEpoch, requiredOffset } });
          if (outcome.flushed)
            flushes.push(
              outcome.flushed.catch((err: unknown) => {
                const code = err instanceof StorageError ? err.kafkaErrorCode : ErrorCode.KAFKA_STORAGE_ERROR;
                Object.assign(response, failed(code, err instanceof Error ? err.message : String(err)));
              }),
            );
          return response;
        }),
      };
    });
    if (req.acks === 0) return null;
    if (flushes.length > 0) await Promise.all(flushes);
    if (waits.length > 0) await waitForReplication(broker.replicas.producePurgatory, req.timeoutMs, waits);
    return { responses, throttleTimeMs: 0 };
  },
});

/** Holds the response until the ISR has every batch, the leadership moves, or the timeout passes. */
function waitForReplication(
  purgatory: Purgatory<Partition>,
  timeoutMs: number,
  waits: { response: PartitionResponse; wait: ProduceWait }[],
): Promise<void> {
  return new Promise((resolve) => {
    const op = new DelayedProduce(
      Math.max(timeoutMs, 0),
      waits.map((w) => w.wait),
      () => {
        for (const { response, wait } of waits)
          if (wait.errorCode !== ErrorCode.NONE) {
            response.errorCode = wait.errorCode ?? ErrorCode.REQUEST_TIMED_OUT;
            response.errorMessage = wait.errorMessage ?? null;
            response.baseOffset = -1n;
          }
        resolve();
      },
    );
    purgatory.tryCompleteElseWatch(
      op,
      waits.map((w) => w.wait.partition),
    );
  });
}
