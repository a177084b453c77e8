/**
 * ConsumerGroupDescribe (69), v0: consumer-protocol groups with their epochs, assignor, and each
 * member's subscription, current and target assignment. Classic or unknown groups get
 * GROUP_ID_NOT_FOUND.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { describeConsumerGroup } from '../coordinator/group-admin.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    return {
      throttleTimeMs: 0,
      groups: req.groupIds.map((groupId) => {
        const coordinator = c.coordinatorError(groupId);
        if (coordinator === ErrorCode.NONE) return describeConsumerGroup(c, groupId);
        return { ...describeConsumerGroup(c, ''), groupId, errorCode: coordinator, errorMessage: null };
      }),
    };
  },
});
