/**
 * ListGroups (16), v0-5: the groups this broker coordinates, with their state (v4+, filtered by
 * statesFilter, case-insensitively) and type (v5+, "classic" or "consumer", filtered by
 * typesFilter).
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { listGroups } from '../coordinator/group-admin.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const v = ctx.apiVersion;
    const groups = listGroups(ctx.broker.groups, v >= 4 ? req.statesFilter : [], v >= 5 ? req.typesFilter : []);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
});
