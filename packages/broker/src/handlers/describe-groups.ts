/**
 * DescribeGroups (15), v0-5: state, protocol and members of each group; member metadata and
 * assignments only while Stable, as Kafka. Unknown groups are reported Dead. Consumer-protocol
 * groups appear with protocol type "consumer" and their members, without classic metadata.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { describeGroup } from '../coordinator/group-admin.js';
import { defineHandler } from './handler.js';

const UNKNOWN_OPERATIONS = -2147483648;

export default defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const c = ctx.broker.groups;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const coordinator = c.coordinatorError(groupId);
        if (coordinator !== ErrorCode.NONE)
          return {
            errorCode: coordinator,
            groupId,
            groupState: '',
            protocolType: '',
            protocolData: '',
            members: [],
            authorizedOperations: UNKNOWN_OPERATIONS,
          };
        return { errorCode: ErrorCode.NONE, ...describeGroup(c, groupId), authorizedOperations: UNKNOWN_OPERATIONS };
      }),
    };
  },
});
