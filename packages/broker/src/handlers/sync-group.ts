/**
 * SyncGroup (14), v0-5: members of a classic group collect their assignment; the leader's
 * request carries everyone's, which is persisted before anyone is answered (v5+ also check the
 * protocol type and name).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { syncGroup } from '../coordinator/classic-sync.js';
import type { SyncResult } from '../coordinator/group.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const c = ctx.broker.groups;
    const fail = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.alloc(0),
    });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const coordinator = c.coordinatorError(req.groupId);
    if (coordinator !== ErrorCode.NONE) return fail(coordinator);
    const group = c.classicGroup(req.groupId, false);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const r = await new Promise<SyncResult>((resolve) =>
      syncGroup(
        c.classicEnv,
        group,
        {
          memberId: req.memberId,
          groupInstanceId: ctx.apiVersion >= 3 ? req.groupInstanceId : null,
          generationId: req.generationId,
          protocolType: ctx.apiVersion >= 5 ? req.protocolType : null,
          protocolName: ctx.apiVersion >= 5 ? req.protocolName : null,
          assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
        },
        resolve,
      ),
    );
    return { throttleTimeMs: 0, ...r };
  },
});
