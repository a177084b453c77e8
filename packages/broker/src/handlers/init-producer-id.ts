/**
 * InitProducerId (22), v0-5: gives an idempotent producer a fresh producer id with epoch 0.
 * Transactional ids need the transaction coordinator, which this broker does not run yet: they
 * are refused at once with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, non-retriable, as FindCoordinator
 * refuses TRANSACTION keys (see find-coordinator.ts); this response has no message field.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null)
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1n,
        producerEpoch: -1,
      };
    const producerId = await ctx.broker.producerIds.nextId();
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: BigInt(producerId), producerEpoch: 0 };
  },
});
