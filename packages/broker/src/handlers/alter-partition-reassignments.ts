/**
 * AlterPartitionReassignments (45) and ListPartitionReassignments (46), v0 (KIP-455): answered
 * by the controller (others: NOT_CONTROLLER, and the client retries on the controller).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export const alterPartitionReassignments = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const controller = ctx.broker.cluster?.controller;
    const whole = (errorCode: number, errorMessage: string | null) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      responses: [],
    });
    if (!controller?.isActive) return whole(ErrorCode.NOT_CONTROLLER, 'this broker is not the controller');
    let results;
    try {
      results = await controller.reassign(
        req.topics.flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, target: p.replicas })),
        ),
      );
    } catch {
      return whole(ErrorCode.NOT_CONTROLLER, 'the controller moved');
    }
    let i = 0;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = results[i++]!;
          return { partitionIndex: p.partitionIndex, errorCode: r.errorCode, errorMessage: r.message };
        }),
      })),
    };
  },
});

export const listPartitionReassignments = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const controller = ctx.broker.cluster?.controller;
    if (!controller?.isActive)
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NOT_CONTROLLER,
        errorMessage: 'this broker is not the controller',
        topics: [],
      };
    const wanted =
      req.topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition }))) ?? null;
    const byTopic = new Map<
      string,
      { partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[]
    >();
    for (const r of controller.listReassignments(wanted)) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({
        partitionIndex: r.partition,
        replicas: r.replicas,
        addingReplicas: r.adding,
        removingReplicas: r.removing,
      });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    };
  },
});
