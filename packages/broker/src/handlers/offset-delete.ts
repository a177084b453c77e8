/**
 * OffsetDelete (47), v0: deletes a group's committed offsets for partitions of topics it does
 * not consume (GROUP_SUBSCRIBED_TO_TOPIC otherwise; NON_EMPTY_GROUP when a non-consumer
 * classic group has members).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { deleteOffsets } from '../coordinator/offset-ops.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return { errorCode: coordinator, throttleTimeMs: 0, topics: [] };
    return { throttleTimeMs: 0, ...deleteOffsets(c, req.groupId, req.topics) };
  },
});
