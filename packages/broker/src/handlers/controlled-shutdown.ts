/**
 * ControlledShutdown (7), v1-3: a broker about to stop asks the controller to move its
 * leaderships to other in-sync replicas first; the answer lists the partitions it still leads.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ControlledShutdown,
  minVersion: 1,
  maxVersion: 3,
  async handle(ctx, req) {
    const controller = ctx.broker.cluster?.controller;
    if (!controller?.isActive) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    try {
      const { errorCode, remaining } = await controller.controlledShutdown(req.brokerId);
      return {
        errorCode,
        remainingPartitions: remaining.map((p) => ({ topicName: p.topic, partitionIndex: p.partition })),
      };
    } catch {
      return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    }
  },
});
