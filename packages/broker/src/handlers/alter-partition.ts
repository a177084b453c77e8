/**
 * AlterPartition (56), v0-1: a partition leader asks the controller to change its ISR. Answered
 * only by the active controller (others: NOT_CONTROLLER); the controller checks the leader
 * epoch and partition epoch and writes the new state conditionally.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.AlterPartition,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const controller = ctx.broker.cluster?.controller;
    if (!controller?.isActive) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
    const requests = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.topicName,
        partition: p.partitionIndex,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        newIsr: p.newIsr,
      })),
    );
    let results;
    try {
      results = await controller.alterPartition(req.brokerId, requests);
    } catch {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
    }
    let i = 0;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      topics: req.topics.map((t) => ({
        topicName: t.topicName,
        partitions: t.partitions.map((p) => {
          const r = results[i++]!;
          return {
            partitionIndex: p.partitionIndex,
            errorCode: r.errorCode,
            leaderId: r.state?.leader ?? -1,
            leaderEpoch: r.state?.leaderEpoch ?? -1,
            isr: r.state?.isr ?? [],
            partitionEpoch: r.state?.zkVersion ?? -1,
          };
        }),
      })),
    };
  },
});
