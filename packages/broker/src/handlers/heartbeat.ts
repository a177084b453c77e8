/**
 * Heartbeat (12), v0-4: keeps a classic group member's session alive; REBALANCE_IN_PROGRESS
 * tells it to rejoin, ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID that it is out.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { heartbeat } from '../coordinator/classic-sync.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    const answer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode });
    if (req.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return answer(coordinator);
    const group = c.classicGroup(req.groupId, false);
    if (!group) return answer(ErrorCode.UNKNOWN_MEMBER_ID);
    return answer(
      heartbeat(c.classicEnv, group, {
        memberId: req.memberId,
        groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
        generationId: req.generationId,
      }),
    );
  },
});
