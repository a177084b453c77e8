/**
 * LeaveGroup (13), v0-5: v0-2 remove one member by id; v3+ a batch of members, by member id
 * or by group.instance.id (static members), each with its own error code.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { leaveGroup } from '../coordinator/classic-sync.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    const answer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, members: [] });
    if (req.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return answer(coordinator);
    const group = c.classicGroup(req.groupId, false);
    if (!group) return answer(ErrorCode.UNKNOWN_MEMBER_ID);
    if (ctx.apiVersion < 3)
      return answer(leaveGroup(c.classicEnv, group, { memberId: req.memberId, groupInstanceId: null }));
    const members = req.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode: leaveGroup(c.classicEnv, group, m),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members };
  },
});
