/**
 * InitProducerId (22), v0-5: gives an idempotent producer a fresh producer id with epoch 0.
 * Transactional ids need the transaction coordinator, which this broker does not run yet: they
 * are answered with COORDINATOR_NOT_AVAILABLE.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null)
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
    const producerId = await ctx.broker.producerIds.nextId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 };
  },
});
