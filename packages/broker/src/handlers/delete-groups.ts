/**
 * DeleteGroups (42), v0-2: deletes groups without members, with their committed offsets
 * (tombstones in __consumer_offsets); NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND
 * for unknown groups.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { deleteGroup } from '../coordinator/group-admin.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => {
        const coordinator = c.coordinatorError(groupId);
        return { groupId, errorCode: coordinator !== ErrorCode.NONE ? coordinator : deleteGroup(c, groupId) };
      }),
    };
  },
});
